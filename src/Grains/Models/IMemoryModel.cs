using MemoryPlatform.ModelCore.Generation;
using MemoryPlatform.ModelCore.Icae;

namespace MemoryPlatform.Grains.Models;

/// <summary>What the decoder is asked to do with the memory: answer a prompt ([slots][FT] prompt) or reconstruct ([slots][AE]).</summary>
public enum MemoryTask { Answer, Reconstruct }

/// <summary>One decoder request: memory slot matrices in order (several spans, several documents), the task, and a prompt for Answer.</summary>
public sealed record MemoryPrompt(IReadOnlyList<SlotMatrix> Memory, MemoryTask Task, string? Prompt);

/// <summary>
/// The model a silo serves: tokenizer, ICAE encoder (span tokens → k slots) and frozen decoder. The model grain
/// owns one and batches calls into it; the production implementation wraps ModelCore's ICAE, tests of grain
/// logic may use a deterministic double. Calls are not thread-safe: the model grain serializes them.
/// </summary>
public interface IMemoryModel : IDisposable
{
    /// <summary>Fingerprint of base model + adapter; written into every slot blob and checked on read.</summary>
    ModelFingerprint Fingerprint { get; }
    int SpanLength { get; }
    int SlotsPerSpan { get; }
    int HiddenSize { get; }
    /// <summary>
    /// Positions a query may fill ([slots][FT] prompt answer): what the decoder reads at its largest E²-LLM scale, less
    /// the fixed markers of the layout (decoder prefix, chat markers).
    /// </summary>
    int MaxDecoderPositions { get; }

    /// <summary>The E²-LLM scale g the decoder uses for a sequence of <paramref name="positions"/> (≤ MaxDecoderPositions).</summary>
    int RopeScaleFor(int positions);

    /// <summary>Text → token ids, no BOS/EOS.</summary>
    int[] Tokenize(string text);
    string Detokenize(IReadOnlyList<int> ids);

    /// <summary>Encodes a batch of spans (each 1..SpanLength tokens) → one row-major [SlotsPerSpan × HiddenSize] float array each
    /// (stored with SlotBlob.Encode). A span gives the same slots alone or in any batch up to rounding (bit for bit only at
    /// equal batch shapes).</summary>
    IReadOnlyList<float[]> EncodeSpans(IReadOnlyList<int[]> spans, CancellationToken ct);

    /// <summary>Generates for a batch of prompts at once; tokens carry the index of their request.</summary>
    IAsyncEnumerable<GeneratedToken> GenerateAsync(IReadOnlyList<MemoryPrompt> batch, GenerationOptions options, CancellationToken ct);
}
