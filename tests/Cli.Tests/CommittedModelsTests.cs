using System.Text.Json;
using MemoryPlatform.ModelCore.Data;
using MemoryPlatform.ModelCore.Evaluation;
using MemoryPlatform.ModelCore.Tokenizer;

namespace MemoryPlatform.Cli.Tests;

/// <summary>
/// The models committed under models/ load with their ICAE adapters (the adapter's base fingerprint matches the weights
/// beside it) and read a passage back from its slots through `memplat icae reconstruct`, as a user would run them. A base
/// re-exported without its adapter, an adapter trained on other weights or a file left as a Git LFS pointer fails here.
/// </summary>
public sealed class CommittedModelsTests : IDisposable
{
    private const int PassageTokens = 48;
    private readonly string text = Path.Combine(Path.GetTempPath(), "memplat-committed-" + Guid.NewGuid().ToString("N") + ".txt");

    /// <summary>Both pairs write this 48-token passage out exactly (BLEU 1, greedy decoding being deterministic); 0.9 leaves
    /// room for a libtorch build that rounds differently, and an adapter that does not read its slots scores near 0.</summary>
    [Theory]
    [InlineData("memplat-tiny")]
    [InlineData("memplat-grown")]
    public void A_committed_model_reads_the_opening_of_the_sample_document_back_from_its_slots(string name)
    {
        var modelDir = Path.Combine(RepoPaths.Root, "models", name);
        var tokenizer = SentencePieceTokenizer.Load(Path.Combine(modelDir, "tokenizer.model"));
        var passage = tokenizer.Encode(File.ReadAllText(Path.Combine(RepoPaths.Root, "samples", "lighthouse.txt")))[..PassageTokens];
        File.WriteAllText(text, tokenizer.Decode(passage));

        var result = ProcessRunner.Run(Path.Combine(AppContext.BaseDirectory, "memplat"),
            ["icae", "reconstruct", "--model", modelDir, "--adapter", Path.Combine(modelDir, "icae"), "--text-file", text, "--json"],
            timeout: TimeSpan.FromMinutes(2));

        Assert.True(result.ExitCode == 0, result.StdErr);
        var json = JsonDocument.Parse(result.StdOut).RootElement;
        Assert.Equal(1, json.GetProperty("spans").GetInt32());
        Assert.Equal(128, json.GetProperty("slots").GetInt32());
        var reconstruction = json.GetProperty("text").GetString()!;
        var bleu = Bleu.Sentence(passage, tokenizer.Encode(reconstruction));
        Assert.True(bleu >= 0.9, $"{name}: BLEU {bleu:F3} < 0.9: \"{reconstruction}\"");
    }

    [Fact]
    public void The_shipped_adapter_is_refused_on_the_grown_base_with_the_tensor_that_does_not_fit()
    {
        File.WriteAllText(text, "The lighthouse on Gull Point was built in 1874.");
        var result = ProcessRunner.Run(Path.Combine(AppContext.BaseDirectory, "memplat"),
            ["icae", "reconstruct", "--model", Path.Combine(RepoPaths.Root, "models", "memplat-grown"),
             "--adapter", Path.Combine(RepoPaths.Root, "models", "memplat-tiny", "icae"), "--text-file", text, "--json"],
            timeout: TimeSpan.FromMinutes(2));

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("q_proj.lora_B.default.weight' has shape [256, 64], expected [512, 64]", result.StdErr);
        Assert.Equal("", result.StdOut);
    }

    public void Dispose() => File.Delete(text);
}
