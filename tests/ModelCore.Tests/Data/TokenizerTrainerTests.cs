using MemoryPlatform.ModelCore.Data;

namespace MemoryPlatform.ModelCore.Tests.Data;

public class TokenizerTrainerTests
{
    [Fact]
    public void Arguments_AreLlamaLikeBpeWithByteFallback()
    {
        var args = TokenizerTrainer.Arguments(new TokenizerTrainOptions { CorpusDir = "/c", OutModel = "/m/tok.model", VocabSize = 4096 }, "/m/tok.input.txt");
        Assert.Contains("--model_prefix=/m/tok", args);
        Assert.Contains("--vocab_size=4096", args);
        foreach (var a in new[] { "--model_type=bpe", "--byte_fallback=true", "--split_digits=true", "--normalization_rule_name=identity",
                     "--remove_extra_whitespaces=false", "--unk_id=0", "--bos_id=1", "--eos_id=2", "--pad_id=-1", "--shuffle_input_sentence=true" })
            Assert.Contains(a, args);
        Assert.Throws<ArgumentException>(() => TokenizerTrainer.Arguments(new TokenizerTrainOptions { CorpusDir = "/c", OutModel = "/m/tok.bin" }, "x"));
    }
}
