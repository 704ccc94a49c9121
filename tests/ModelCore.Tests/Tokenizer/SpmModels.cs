using System.Collections.Concurrent;
using System.Text;
using MemoryPlatform.ModelCore.Tests.Support;

namespace MemoryPlatform.ModelCore.Tests.Tokenizer;

/// <summary>
/// Trains small SentencePiece models with Debian's spm_train at test time, one per variant of
/// the options that change encoding, on the committed corpus (Fixtures/make_corpus.py), into a
/// temporary directory that is removed afterwards.
/// </summary>
public sealed class SpmModels : IDisposable
{
    private const string UserSymbols = "--user_defined_symbols=<sep>,<cls>,[MASK]";

    /// <summary>spm_train options per variant; model_type=bpe unless said otherwise.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> Variants = new Dictionary<string, string[]>
    {
        // spm_train's defaults (nmt_nfkc, dummy prefix, extra whitespace removed) with byte fallback.
        ["default"] = ["--vocab_size=1000", "--byte_fallback=true", "--character_coverage=0.9995", UserSymbols],
        // Llama's settings: no normalization, whitespace kept as is, digits split, whitespace-only pieces.
        ["llama"] = ["--vocab_size=1000", "--normalization_rule_name=identity", "--remove_extra_whitespaces=false",
                     "--split_digits=true", "--byte_fallback=true", "--allow_whitespace_only_pieces=true",
                     "--add_dummy_prefix=true", UserSymbols],
        ["llama-no-dummy-prefix"] = ["--vocab_size=1000", "--normalization_rule_name=identity",
                     "--remove_extra_whitespaces=false", "--split_digits=true", "--byte_fallback=true",
                     "--allow_whitespace_only_pieces=true", "--add_dummy_prefix=false", UserSymbols],
        // Without byte fallback rare characters are <unk>, and runs of them collapse into one id.
        ["no-byte-fallback"] = ["--vocab_size=600", "--character_coverage=0.98", "--byte_fallback=false", UserSymbols],
        // Whitespace kept but NFKC applied, no script/number splitting at training.
        ["nfkc-keep-whitespace"] = ["--vocab_size=1200", "--remove_extra_whitespaces=false", "--add_dummy_prefix=false",
                     "--split_by_unicode_script=false", "--split_by_number=false", "--byte_fallback=true",
                     "--pad_id=3", UserSymbols],
        ["whitespace-suffix"] = ["--vocab_size=1000", "--treat_whitespace_as_suffix=true", "--byte_fallback=true", UserSymbols],
        // Decoding rewrites text with these rules (e -> E, th -> TH).
        ["denormalized"] = ["--vocab_size=800", "--byte_fallback=true", $"--denormalization_rule_tsv={Fixture("denorm.tsv")}", UserSymbols],
    };

    public static IEnumerable<object[]> VariantNames => Variants.Keys.Select(k => new object[] { k });

    private readonly string _dir = System.IO.Directory.CreateTempSubdirectory("memplat-spm-").FullName;
    private readonly ConcurrentDictionary<string, Lazy<string>> _models = new();
    private readonly Lazy<string> _longLines;

    public SpmModels()
    {
        _longLines = new Lazy<string>(WriteLongLines);
    }

    public string Directory => _dir;

    public static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Tokenizer", "Fixtures", name);

    public static string SpmTool(string name) => ExternalTool.Find(name, "sentencepiece");

    /// <summary>Path of the trained model for a variant (trained on first use).</summary>
    public string ModelPath(string variant) =>
        _models.GetOrAdd(variant, v => new Lazy<string>(() => Train(v, ["--model_type=bpe", .. Variants[v]]))).Value;

    /// <summary>A unigram model, for the "not supported" path.</summary>
    public string UnigramModelPath() =>
        _models.GetOrAdd("unigram", v => new Lazy<string>(() => Train(v, ["--model_type=unigram", "--vocab_size=500"]))).Value;

    /// <summary>Lines without spaces, tens of thousands of characters long: the BPE worst case.</summary>
    public string LongLinesPath => _longLines.Value;

    private string Train(string name, string[] options)
    {
        var prefix = Path.Combine(_dir, name);
        ExternalTool.Run(SpmTool("spm_train"),
            [$"--input={Fixture("corpus.txt")}", $"--model_prefix={prefix}", "--num_threads=1", "--minloglevel=2", .. options]);
        return prefix + ".model";
    }

    private string WriteLongLines()
    {
        var rng = new Random(7);
        var lines = new List<string>
        {
            new string(Enumerable.Range(0, 30_000).Select(_ => (char)('a' + rng.Next(26))).ToArray()),
            string.Concat(Enumerable.Repeat("ab", 15_000)),
            string.Concat(Enumerable.Repeat("the", 8_000)),
            new string(Enumerable.Range(0, 20_000).Select(_ => (char)('0' + rng.Next(10))).ToArray()),
            new string('a', 25_000),
            string.Concat(Enumerable.Repeat("Доброе", 3_000)),
        };
        var path = Path.Combine(_dir, "long-lines.txt");
        File.WriteAllText(path, string.Join('\n', lines) + "\n", new UTF8Encoding(false));
        return path;
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory is harmless.
        }
    }
}
