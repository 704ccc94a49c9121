using System.Runtime.InteropServices;
using System.Text;
using MemoryPlatform.ModelCore.Data;
using MemoryPlatform.ModelCore.Tokenizer;

namespace MemoryPlatform.ModelCore.Training;

/// <summary>Kinds of retrieval-style samples mixed into training (ICAE's frozen decoder must copy from context).</summary>
public enum RetrievalKind { Copy, KeyValue, Passkey, RandomCopy, NumberCopy }

/// <summary>
/// A tokenized split held in memory, and a deterministic sampler of training windows over it.
/// Sample i of micro-batch j of step s comes from an RNG seeded by a hash of (seed, s, j, i), so a
/// resumed run draws exactly the windows the uninterrupted run would have, with no RNG state to save.
/// A fraction of samples are retrieval-style (copied passages, key-value lookups, passkeys): plain
/// text barely rewards copying from context, and a tiny LM trained on it alone does not learn to.
/// </summary>
public sealed class TokenDataset
{
    /// <summary>The piece whose id is <see cref="RepeatMarker"/>: byte fallback's NUL byte.</summary>
    public const string RepeatMarkerPiece = "<0x00>";

    /// <summary>The filler sentences of the standard passkey prompt (shared/reference/e2llm.md).</summary>
    public const string PasskeyFiller = "The grass is green. The sky is blue. The sun is yellow. Here we go. There and back again.";

    private readonly Func<string, int[]>? encode;
    private readonly int maxId;

    public int[] Tokens { get; }

    /// <summary>Fraction of samples (0..1) replaced by retrieval-style samples; needs an encoder for key-value and passkey.</summary>
    public double RetrievalFraction { get; init; }

    /// <summary>
    /// Fraction of samples (0..1) that are natural-text copies (text, P, text, P), drawn before the retrieval mix.
    /// Random-id copies teach the induction heads to copy unique tokens; natural text repeats its tokens ("the", ",")
    /// and a tiny base that copies random ids almost perfectly still copies a repeated passage at about half its
    /// tokens. ICAE's frozen decoder reads memory slots with that copying, so a base for ICAE trains on many of these.
    /// </summary>
    public double CopyFraction { get; init; }

    /// <summary>
    /// Fraction of samples (0..1) that are repeats: a passage P from the row's first position, <see cref="RepeatMarker"/>,
    /// P again and EOS (<see cref="RepeatSample"/>), drawn after the text copies and before the retrieval mix.
    /// </summary>
    public double RepeatFraction { get; init; }

    /// <summary>
    /// Fraction of the numbers in passkey and number-copy samples (0..1) drawn by <see cref="DigitRunNumber"/>: a
    /// 5-digit number holding one digit 2 to 4 times in a row. Such keys are the ones a base misses (84288 answered
    /// 842888, 99997 answered 999977), and uniform keys hold a run of 3 or more in under 4 % of draws. Drawing them
    /// did not cure the misses (docs/results-icae.md, session 18): they come with how full the scaled window is.
    /// </summary>
    public double DigitRunFraction { get; init; }

    /// <summary>
    /// The token that asks for a repeat: the tokenizer's byte piece &lt;0x00&gt; (<see cref="Load"/> sets it), which no
    /// corpus text holds and no random copy draws (they start at <see cref="FirstOrdinaryId"/>), so it means one thing only.
    /// </summary>
    public int? RepeatMarker { get; init; }

    /// <summary>The id that ends a repeat: the tokenizer's EOS (<see cref="Load"/> sets it), 2 by SentencePiece convention.</summary>
    public int EosId { get; init; } = 2;

    public TokenDataset(int[] tokens, Func<string, int[]>? encode = null)
    {
        if (tokens.Length < 2) throw new ArgumentException("a dataset needs at least 2 tokens");
        Tokens = tokens;
        this.encode = encode;
        maxId = tokens.Max();
    }

    // ---- tokenizing and caching ----

    /// <summary>
    /// Loads <paramref name="splitFile"/> (documents separated by a `&lt;|doc|&gt;` line) tokenized, each
    /// document as BOS + text + EOS. The ids are cached beside the input as int32 and reused while the cache
    /// is newer than both the text and the tokenizer (tokenizing the training split takes minutes here).
    /// </summary>
    public static TokenDataset Load(string splitFile, string tokenizerPath, double retrievalFraction = 0, double copyFraction = 0,
                                    double repeatFraction = 0, double digitRunFraction = 0)
    {
        var tokenizer = SentencePieceTokenizer.Load(tokenizerPath);
        var cache = splitFile + ".tokens.i32";
        int[] tokens;
        if (File.Exists(cache) && File.GetLastWriteTimeUtc(cache) > File.GetLastWriteTimeUtc(splitFile)
                               && File.GetLastWriteTimeUtc(cache) > File.GetLastWriteTimeUtc(tokenizerPath))
            tokens = MemoryMarshal.Cast<byte, int>(File.ReadAllBytes(cache)).ToArray();
        else
        {
            tokens = Tokenize(File.ReadAllText(splitFile), tokenizer);
            var temp = cache + ".tmp";
            File.WriteAllBytes(temp, MemoryMarshal.AsBytes(tokens.AsSpan()).ToArray());
            File.Move(temp, cache, overwrite: true);   // a crash never leaves a half-written cache behind
        }
        return new TokenDataset(tokens, text => tokenizer.Encode(text))
        {
            RetrievalFraction = retrievalFraction, CopyFraction = copyFraction, RepeatFraction = repeatFraction,
            DigitRunFraction = digitRunFraction, RepeatMarker = RepeatMarkerOf(tokenizer),
            EosId = tokenizer.EosId >= 0 ? tokenizer.EosId : 2,
        };
    }

    /// <summary>The id of <see cref="RepeatMarkerPiece"/> in <paramref name="tokenizer"/>; null when it has no such piece.</summary>
    public static int? RepeatMarkerOf(SentencePieceTokenizer tokenizer) =>
        tokenizer.PieceToId(RepeatMarkerPiece) is var id && id > 0 && id != tokenizer.UnkId ? id : null;

    /// <summary>Tokenizes documents in parallel, keeping their order.</summary>
    public static int[] Tokenize(string text, SentencePieceTokenizer tokenizer)
    {
        var documents = SplitDocuments(text);
        var encoded = new int[documents.Count][];
        Parallel.For(0, documents.Count, i =>
            encoded[i] = tokenizer.Encode(documents[i], addBos: tokenizer.BosId >= 0, addEos: tokenizer.EosId >= 0));
        return encoded.SelectMany(d => d).ToArray();
    }

    public static List<string> SplitDocuments(string text)
    {
        var documents = new List<string>();
        var current = new StringBuilder();
        foreach (var line in text.Split('\n'))
        {
            if (line.TrimEnd('\r') == TextCleaner.DocSeparator)
            {
                if (current.Length > 0) documents.Add(current.ToString().TrimEnd('\n'));
                current.Clear();
            }
            else current.Append(line).Append('\n');
        }
        if (current.ToString().Trim().Length > 0) documents.Add(current.ToString().TrimEnd('\n'));
        return documents;
    }

    // ---- sampling ----

    /// <summary>
    /// Micro-batch <paramref name="micro"/> of step <paramref name="step"/>: <paramref name="batch"/> rows of
    /// <paramref name="length"/> tokens (R + 1: inputs and their shifted targets), row-major.
    /// </summary>
    public long[] Batch(ulong seed, long step, int micro, int batch, int length)
    {
        var result = new long[(long)batch * length];
        for (var i = 0; i < batch; i++)
        {
            var row = Sample(new Random(SampleSeed(seed, step, micro, i)), length);
            for (var j = 0; j < length; j++) result[(long)i * length + j] = row[j];
        }
        return result;
    }

    /// <summary>SplitMix64 over (seed, step, micro, row): independent streams without any saved RNG state.</summary>
    public static int SampleSeed(ulong seed, long step, int micro, int row)
    {
        var x = seed;
        foreach (var v in new[] { (ulong)step, (ulong)micro, (ulong)row })
            x = Mix(x ^ Mix(v + 0x9E3779B97F4A7C15UL));
        return (int)(x & 0x7FFFFFFF);
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private int[] Sample(Random random, int length)
    {
        // Drawn only when set, so runs without text copies draw exactly the samples they always did.
        if (CopyFraction > 0 && random.NextDouble() < CopyFraction) return CopySample(random, length);
        if (RepeatFraction > 0 && random.NextDouble() < RepeatFraction) return RepeatSample(random, length);
        if (RetrievalFraction > 0 && random.NextDouble() < RetrievalFraction)
        {
            // Without an encoder only copies can be built (they need no text).
            var kinds = encode is null ? CopyKinds : WeightedKinds;
            var kind = kinds[random.Next(kinds.Length)];
            return Retrieval(kind, random, length);
        }
        return Text(random, length);
    }

    /// <summary>A window of <paramref name="length"/> consecutive corpus tokens (wrapping past the end).</summary>
    public int[] Text(Random random, int length)
    {
        var result = new int[length];
        if (length == 0) return result;
        var start = random.NextInt64(0, Tokens.Length);
        for (var i = 0; i < length; i++) result[i] = Tokens[(start + i) % Tokens.Length];
        return result;
    }

    private static readonly RetrievalKind[] CopyKinds = [RetrievalKind.Copy, RetrievalKind.RandomCopy];
    // Random-id and number copies are half the draws: they alone teach copying without a language prior to lean on.
    // Number copies are there because random ids almost never draw the ten digit tokens: a base trained without them
    // copied random runs (second-copy loss 0.27) yet guessed every passkey digit uniformly (about ln 10 nats each).
    private static readonly RetrievalKind[] WeightedKinds =
        [RetrievalKind.Copy, RetrievalKind.KeyValue, RetrievalKind.Passkey, RetrievalKind.Passkey,
         RetrievalKind.RandomCopy, RetrievalKind.RandomCopy, RetrievalKind.NumberCopy, RetrievalKind.NumberCopy];

    /// <summary>Random copies draw ids at or above this (below are unk, bos, eos and, in some tokenizers, pad).</summary>
    public int FirstOrdinaryId { get; init; } = 4;

    /// <summary>One retrieval-style sample of exactly <paramref name="length"/> tokens.</summary>
    public int[] Retrieval(RetrievalKind kind, Random random, int length) => kind switch
    {
        RetrievalKind.Copy => CopySample(random, length),
        RetrievalKind.KeyValue => KeyValueSample(random, length),
        RetrievalKind.Passkey => PasskeySample(random, length),
        RetrievalKind.RandomCopy => RandomCopySample(random, length),
        RetrievalKind.NumberCopy => NumberCopySample(random, length),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>text, passage P, text, P again, text: the second P is predictable only by copying.</summary>
    private int[] CopySample(Random random, int length)
    {
        var passage = Text(random, random.Next(Math.Max(1, length / 8), Math.Max(2, length / 3) + 1));
        var rest = length - 2 * passage.Length;
        var before = random.Next(0, rest / 2 + 1);
        var gap = random.Next(0, rest - before + 1);
        return Compose(random, length, [Text(random, before), passage, Text(random, gap), passage]);
    }

    /// <summary>
    /// P, marker, P, EOS, then text: ICAE's autoencoding layout <c>[slots][AE] → text EOS</c> in token space, with P
    /// (length/8 to length/2 tokens) where the slots stand and the marker where [AE] stands. Text copies alone teach a
    /// base to copy once a copy has begun; nothing in them says where a copy starts, and a base trained on them wrote a
    /// passage out greedily from its first token at a median BLEU of 0.12. Here the marker says "again, from the top".
    /// </summary>
    public int[] RepeatSample(Random random, int length)
    {
        var marker = RepeatMarker ?? throw new InvalidOperationException($"repeat samples need a marker token (the tokenizer's {RepeatMarkerPiece} piece)");
        var passage = Text(random, random.Next(Math.Max(1, length / 8), Math.Max(2, (length - 2) / 2) + 1));
        return Compose(random, length, [passage, [marker], passage, [EosId]]);
    }

    /// <summary>
    /// text, then pairs of random-id runs S₁ S₁ S₂ S₂ … (a few text tokens between the copies) to the end: nothing
    /// but the context predicts a second S, so the gradient rewards copying alone. Pairs are dense and vary in length
    /// so that the copy distance varies too: one fixed distance teaches "repeat what stood d tokens back", not the
    /// induction heads that find the match (a tiny model trained on fixed-distance copies failed the probe).
    /// </summary>
    private int[] RandomCopySample(Random random, int length)
    {
        var vocab = maxId + 1;
        return CopyPairs(random, length, n => Enumerable.Range(0, n).Select(_ => random.Next(FirstOrdinaryId, Math.Max(FirstOrdinaryId + 1, vocab))).ToArray());
    }

    /// <summary>
    /// As <see cref="RandomCopySample"/>, but each run is text of random numbers ("40213 7 88150 ..."), so the digits,
    /// which carry passkeys and key-value answers, must be told apart and copied too.
    /// </summary>
    private int[] NumberCopySample(Random random, int length)
    {
        var encoder = Encoder;
        return CopyPairs(random, length, n =>
        {
            var numbers = Enumerable.Range(0, Math.Max(1, n / 4)).Select(_ => (DrawsDigitRun(random) ? DigitRunNumber(random) : random.Next(0, 100000))
                .ToString(System.Globalization.CultureInfo.InvariantCulture));
            return encoder(string.Join(' ', numbers)).Take(n).ToArray();
        });
    }

    /// <summary>Text, then pairs R R of runs from <paramref name="run"/> with a few text tokens between the copies.</summary>
    private int[] CopyPairs(Random random, int length, Func<int, int[]> run)
    {
        var parts = new List<int[]> { Text(random, random.Next(0, length / 8 + 1)) };
        for (var total = parts[0].Length; total < length;)
        {
            var ids = run(random.Next(Math.Max(2, length / 64), Math.Max(3, length / 8) + 1));
            var gap = Text(random, random.Next(0, 9));
            parts.AddRange([ids, gap, ids]);
            total += 2 * ids.Length + gap.Length;
        }
        return Compose(random, length, parts.ToArray());
    }

    /// <summary>Lines `key-1234 = 56789` inside text, later some of them again in another order (the value is the lookup).</summary>
    private int[] KeyValueSample(Random random, int length)
    {
        var encoder = Encoder;
        for (var count = 8; ; count--)
        {
            var keys = new HashSet<int>();
            while (keys.Count < count) keys.Add(random.Next(1000, 10000));
            var lines = keys.Select(k => encoder($"key-{k} = {random.Next(10000, 100000)}\n")).ToArray();
            var queried = lines.OrderBy(_ => random.Next()).Take(Math.Max(1, count / 2)).ToArray();
            var table = lines.SelectMany(l => l).ToArray();
            var queries = queried.SelectMany(l => l).ToArray();
            var rest = length - table.Length - queries.Length;
            if (rest < 0 && count > 1) continue;
            var before = random.Next(0, Math.Max(0, rest) / 2 + 1);
            return Compose(random, length, [Text(random, before), table, Text(random, Math.Max(0, rest - before)), queries]);
        }
    }

    /// <summary>The standard passkey prompt (filler or corpus text around "The pass key is K..."), answer included.</summary>
    private int[] PasskeySample(Random random, int length)
    {
        var encoder = Encoder;
        var key = DrawsDigitRun(random) ? DigitRunNumber(random) : random.Next(10000, 100000);
        var line = encoder($"The pass key is {key}. Remember it. {key} is the pass key. ");
        var question = encoder($"What is the pass key? The pass key is {key}.");
        var rest = Math.Max(0, length - line.Length - question.Length);
        var depth = random.Next(0, rest + 1);
        Func<int, int[]> filler = random.Next(2) == 0 ? n => Repeat(encoder(PasskeyFiller + " "), n) : n => Text(random, n);
        return Compose(random, length, [filler(depth), line, filler(rest - depth), question]);
    }

    // With the fraction at 0 no extra draw is made, so runs from before the option sample exactly what they did.
    private bool DrawsDigitRun(Random random) => DigitRunFraction > 0 && random.NextDouble() < DigitRunFraction;

    /// <summary>A 5-digit number (10000..99999) in which one digit stands 2 to 4 times in a row, at a random place.</summary>
    public static int DigitRunNumber(Random random)
    {
        var digits = Enumerable.Range(0, 5).Select(_ => random.Next(10)).ToArray();
        var run = random.Next(2, 5);
        var start = random.Next(0, 5 - run + 1);
        var digit = random.Next(start == 0 ? 1 : 0, 10);
        for (var i = start; i < start + run; i++) digits[i] = digit;
        if (digits[0] == 0) digits[0] = random.Next(1, 10);
        return digits.Aggregate(0, (n, d) => 10 * n + d);
    }

    private Func<string, int[]> Encoder =>
        encode ?? throw new InvalidOperationException("key-value and passkey samples need a tokenizer");

    private static int[] Repeat(int[] unit, int length) =>
        Enumerable.Range(0, length).Select(i => unit[i % unit.Length]).ToArray();

    /// <summary>Concatenates parts, cut to <paramref name="length"/> or followed by text up to it.</summary>
    private int[] Compose(Random random, int length, int[][] parts)
    {
        var all = parts.SelectMany(p => p).Take(length).ToList();
        all.AddRange(Text(random, length - all.Count));
        return all.ToArray();
    }
}
