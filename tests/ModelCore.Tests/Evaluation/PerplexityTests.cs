using MemoryPlatform.ModelCore.Evaluation;
using MemoryPlatform.ModelCore.Models;
using MemoryPlatform.ModelCore.Tensors;
using MemoryPlatform.ModelCore.Tests.Models;
using MemoryPlatform.ModelCore.Tests.TestSupport;
using MemoryPlatform.ModelCore.Tests.Training;

namespace MemoryPlatform.ModelCore.Tests.Evaluation;

public class PerplexityTests
{
    private static int[] RandomDocument(int seed, int length)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => random.Next(3, 101)).ToArray();
    }

    [Fact]
    public void A_random_model_is_about_as_perplexed_as_the_vocabulary_is_large()
    {
        using var model = TinyModels.Random(seed: 11);
        var docs = new[] { RandomDocument(1, 200), RandomDocument(2, 200) };

        var r = Perplexity.Measure(model, docs, length: 128, scale: 1);

        Assert.Equal(2 * 127, r.Tokens);
        Assert.Equal(2, r.Documents);
        Assert.InRange(r.Ppl, 101 / 3.0, 101 * 3.0);
    }

    [Fact]
    public void Chunked_scoring_equals_scoring_the_whole_document_in_one_pass()
    {
        using var model = TinyModels.Random(seed: 12);
        var doc = RandomDocument(3, 90);

        var (chunked, n) = Perplexity.Score(model, doc, scale: 2, bf16: false, chunk: 7);

        // Reference: one forward pass over all 90 tokens, mean cross-entropy of tokens 1..89.
        using var scope = TensorScope.Begin();
        using var noGrad = Autograd.NoGrad();
        var ids = Tensor.From(doc.Select(x => (long)x).ToArray(), 1, doc.Length);
        var logits = model.Logits(model.Forward(model.Embed(ids), TinyModels.Positions(0, doc.Length), model.RopeFor(doc.Length, 2)));
        var whole = Functional.CrossEntropy(logits.Narrow(1, 0, doc.Length - 1).Reshape(-1, 101), ids.Narrow(1, 1, doc.Length - 1).Reshape(-1),
                                            reduction: Reduction.Sum).Item<float>();
        Assert.Equal(89, n);
        Assert.Equal(whole, chunked, 0.01);
    }

    [Fact]
    public void Scale_changes_the_result_because_positions_are_divided_by_g()
    {
        using var model = TinyModels.Random(seed: 13);
        var doc = RandomDocument(4, 64);
        Assert.NotEqual(Perplexity.Score(model, doc, 1, bf16: false).Nll, Perplexity.Score(model, doc, 4, bf16: false).Nll);
    }

    [Fact]
    public void Documents_are_kept_in_order_when_long_enough_up_to_the_maximum()
    {
        var texts = new[] { "short", "a long enough text", "tiny", "another long text here", "third long text here" };
        var kept = Perplexity.SelectDocuments(texts, TrainingFixtures.Encode, minTokens: 15, maxDocuments: 2);
        Assert.Equal(["a long enough text", "another long text here"], kept.Select(TrainingFixtures.Decode));
    }

    [Fact]
    public void A_directory_reads_as_one_document_per_file_and_a_file_splits_on_doc_lines()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("b.txt"), "second");
        File.WriteAllText(dir.File("a.txt"), "first");
        File.WriteAllText(dir.File("a.txt.tokens.i32"), "not a document");
        Assert.Equal(["first", "second"], Perplexity.ReadDocuments(dir.Path));
        File.WriteAllText(dir.File("split.txt"), "one\n<|doc|>\ntwo\n");
        Assert.Equal(["one", "two"], Perplexity.ReadDocuments(dir.File("split.txt")));
    }

    [Theory]
    [InlineData("none", 5000, null, 1)]
    [InlineData("3", 5000, null, 3)]
    [InlineData("auto", 600, null, 3)]          // ceil(600 / 256)
    [InlineData("auto", 5000, 4, 4)]            // bounded by the trained max_scale
    [InlineData("auto", 100, 4, 1)]
    public void Scale_choice_follows_the_length_and_the_trained_range(string text, int positions, int? maxScale, int expected)
    {
        var config = TinyModels.Config() with { E2Llm = maxScale is int m ? new E2LlmConfig(m, 256) : null };
        Assert.Equal(expected, ScaleChoice.Parse(text).Resolve(positions, config));
    }

    [Fact]
    public void A_bad_scale_is_refused() => Assert.Throws<ArgumentException>(() => ScaleChoice.Parse("0"));
}
