namespace MemoryPlatform.ModelCore.Evaluation;

/// <summary>Text to token ids (no BOS, no EOS) and back: the base model's tokenizer, or a stand-in in tests.</summary>
public sealed record TextCodec(Func<string, int[]> Encode, Func<IEnumerable<int>, string> Decode);
