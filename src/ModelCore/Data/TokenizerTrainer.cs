using System.Diagnostics;
using System.Text;

namespace MemoryPlatform.ModelCore.Data;

/// <summary>Settings of a SentencePiece training run; defaults follow Llama's tokenizer.</summary>
public sealed record TokenizerTrainOptions
{
    public required string CorpusDir { get; init; }
    /// <summary>Output model path; must end in ".model" (spm_train also writes the ".vocab" beside it).</summary>
    public required string OutModel { get; init; }
    public int VocabSize { get; init; } = 4096;
    /// <summary>Sentences (lines) sampled from the corpus; keeps BPE training to minutes on 2 cores.</summary>
    public int InputSentenceSize { get; init; } = 1_000_000;
    public int Threads { get; init; } = 2;
    public uint Seed { get; init; } = 1234;
}

/// <summary>
/// Trains a SentencePiece BPE tokenizer on the corpus train split with Debian's spm_train,
/// Llama-style: byte fallback, digits split, no normalisation, whitespace kept as is,
/// unk=0 bos=1 eos=2 and no pad id.
/// </summary>
public static class TokenizerTrainer
{
    public const string Program = "spm_train";
    public const string Package = "sentencepiece";

    private static void CheckOut(TokenizerTrainOptions o)
    {
        if (!o.OutModel.EndsWith(".model", StringComparison.Ordinal))
            throw new ArgumentException($"--out must end in .model: {o.OutModel}");
    }

    public static List<string> Arguments(TokenizerTrainOptions o, string inputFile)
    {
        CheckOut(o);
        var prefix = o.OutModel[..^".model".Length];
        return
        [
            $"--input={inputFile}",
            $"--model_prefix={prefix}",
            $"--vocab_size={o.VocabSize}",
            "--model_type=bpe",
            "--byte_fallback=true",
            "--split_digits=true",
            "--normalization_rule_name=identity",
            "--remove_extra_whitespaces=false",
            "--allow_whitespace_only_pieces=true",
            "--character_coverage=0.9999",
            "--unk_id=0",
            "--bos_id=1",
            "--eos_id=2",
            "--pad_id=-1",
            $"--input_sentence_size={o.InputSentenceSize}",
            "--shuffle_input_sentence=true",
            $"--random_seed={o.Seed}",
            "--max_sentence_length=8192",
            $"--num_threads={o.Threads}",
        ];
    }

    /// <summary>
    /// Writes the train split without document separators (they are not text) to a temporary
    /// FILE.input.txt next to FILE.model (deleted afterwards), runs spm_train, and returns the command line and elapsed time.
    /// </summary>
    public static (string CommandLine, TimeSpan Elapsed) Train(TokenizerTrainOptions o, TextWriter log)
    {
        CheckOut(o);
        var train = Path.Combine(o.CorpusDir, "train.txt");
        if (!File.Exists(train)) throw new FileNotFoundException($"no train split in {o.CorpusDir}", train);
        PackageInstaller.EnsureInstalled([Package], log);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(o.OutModel))!);
        // Named after the model, not the process, so that the logged command line is the same every run.
        var input = o.OutModel[..^".model".Length] + ".input.txt";
        try
        {
            using (var w = new StreamWriter(input, false, new UTF8Encoding(false)))
                foreach (var line in File.ReadLines(train))
                    if (line != TextCleaner.DocSeparator && line.Length > 0) w.Write(line + "\n");
            var args = Arguments(o, input);
            var commandLine = Program + " " + string.Join(' ', args.Select(Quote));
            log.WriteLine($"tokenizer: {commandLine}");
            var sw = Stopwatch.StartNew();
            // spm_train logs each step on stderr; pass through only the progress lines that matter.
            var r = ProcessRunner.Run(Program, args, stderrLine: l =>
            {
                if (l.Contains("Added:", StringComparison.Ordinal) || l.Contains("Saving", StringComparison.Ordinal)
                    || l.Contains("Loaded", StringComparison.Ordinal))
                    log.WriteLine($"spm_train: {l}");
            });
            sw.Stop();
            if (r.ExitCode != 0)
                throw new InvalidOperationException($"spm_train failed ({r.ExitCode}):\n{Tail(r.StdErr, 4000)}");
            return (commandLine, sw.Elapsed);
        }
        finally
        {
            File.Delete(input);
        }
    }

    private static string Quote(string a) =>
        a.Any(c => char.IsWhiteSpace(c) || c is '\'' or '"' or '$' or '|') ? $"'{a.Replace("'", "'\\''")}'" : a;

    private static string Tail(string s, int n) => s.Length <= n ? s : s[^n..];
}
