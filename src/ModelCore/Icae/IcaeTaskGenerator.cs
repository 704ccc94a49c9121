using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace MemoryPlatform.ModelCore.Icae;

/// <summary>Numbers of the task generator: span size in tokens, how many spans a multi-span sample may have.</summary>
public sealed record IcaeTaskOptions(int SpanTokens = 512, int MaxSpans = 16, double MultiSpanFraction = 0.5, int MinSingleSpanTokens = 128);

/// <summary>
/// Builds ICAE fine-tuning and test samples (docs/icae-tasks.md) whose answers are checkable by exact match:
/// <list type="bullet">
/// <item><c>code</c>: "The access code for Name is XX-1234." hidden among text (with 0–3 distractor names) → "What is the access code for Name?"</item>
/// <item><c>passkey</c>: "The pass key is K. Remember it. K is the pass key." → "What is the pass key?"</item>
/// <item><c>next-word</c>: "Which word comes after "w1 w2 w3 w4"?" → the next word, punctuation stripped.</item>
/// <item><c>quote</c>: "Quote the sentence containing "phrase"." → the whole sentence.</item>
/// <item><c>continuation</c>: "What are the next 8 words after "…"?" → those words.</item>
/// </list>
/// Context is corpus text with whitespace collapsed, cut into spans of at most SpanTokens tokens, one span per input
/// line: a single span of MinSingleSpanTokens..SpanTokens tokens, or 2..MaxSpans full spans with the evidence in a
/// random one (ICAE encodes each 512-token span on its own and concatenates the slots; training needs such samples).
/// Quoted phrases occur exactly once in the input, so every answer is unique. Samples are a function of the
/// documents, the token counter and the Random passed in.
/// </summary>
public sealed partial class IcaeTaskGenerator
{
    public static readonly string[] Tasks = ["code", "passkey", "next-word", "quote", "continuation"];

    private static readonly string[] FirstNames =
        ["Ada", "Boris", "Clara", "Dmitri", "Elena", "Farid", "Greta", "Hugo", "Ines", "Jonas", "Keiko", "Liam", "Marta", "Nils", "Olga",
         "Pavel", "Quinn", "Rosa", "Stefan", "Tara", "Umar", "Vera", "Walter", "Xenia", "Yusuf", "Zora"];
    private static readonly string[] LastNames =
        ["Abbott", "Brandt", "Castillo", "Dorsey", "Eriksen", "Fontaine", "Galloway", "Hartmann", "Iversen", "Jansen", "Kowalski", "Lindqvist",
         "Moreau", "Novak", "Okafor", "Petrov", "Quintero", "Rasmussen", "Sato", "Thornton", "Ulrich", "Vasquez", "Whitaker", "Yamada", "Zielinski"];

    private const int PhraseWords = 4, ContinuationContext = 6, ContinuationWords = 8, Attempts = 50;

    private readonly IReadOnlyList<string> documents;
    private readonly Func<string, int> countTokens;
    private readonly IcaeTaskOptions options;
    private readonly Dictionary<string, int> wordTokens = new(StringComparer.Ordinal);
    private readonly Dictionary<int, string[]> wordsOf = new();

    public IcaeTaskGenerator(IReadOnlyList<string> documents, Func<string, int> countTokens, IcaeTaskOptions? options = null)
    {
        this.options = options ?? new IcaeTaskOptions();
        if (this.options.SpanTokens < 64) throw new ArgumentException("spans must allow at least 64 tokens");
        if (this.options.MaxSpans < 1) throw new ArgumentException("--spans-max must be at least 1");
        if (this.options.MinSingleSpanTokens < 32 || this.options.MinSingleSpanTokens > this.options.SpanTokens)
            throw new ArgumentException("the single-span minimum must lie in [32, SpanTokens]");
        this.documents = documents.Where(d => Whitespace().IsMatch(d.Trim())).ToList();
        if (this.documents.Count == 0) throw new ArgumentException("the generator needs documents with more than one word");
        this.countTokens = countTokens;
    }

    /// <summary><paramref name="count"/> samples from Random(<paramref name="seed"/>), tasks in rotation so each is equally common.</summary>
    public IEnumerable<IcaeTaskSample> Generate(int count, int seed)
    {
        var random = new Random(seed);
        for (var i = 0; i < count; i++) yield return Sample(random, Tasks[i % Tasks.Length]);
    }

    public IcaeTaskSample Sample(Random random, string task)
    {
        var multi = options.MaxSpans >= 2 && random.NextDouble() < options.MultiSpanFraction;
        var spans = multi ? random.Next(2, options.MaxSpans + 1) : 1;
        var budget = multi ? options.SpanTokens : random.Next(options.MinSingleSpanTokens, options.SpanTokens + 1);
        var target = random.Next(spans);
        for (var attempt = 0; ; attempt++)
        {
            var sample = task switch
            {
                "code" => Fact(random, spans, budget, target, code: true),
                "passkey" => Fact(random, spans, budget, target, code: false),
                "next-word" or "quote" or "continuation" => FromText(random, task, spans, budget, target),
                _ => throw new ArgumentException($"unknown task '{task}' (one of {string.Join(", ", Tasks)})"),
            };
            if (sample is not null) return sample;
            if (attempt >= Attempts) throw new InvalidOperationException($"could not place a '{task}' question in {Attempts} tries: the documents are too short or repetitive");
        }
    }

    // ---- tasks ----

    /// <summary>A fact sentence (plus distractor facts for codes) inserted at sentence boundaries of corpus text.</summary>
    private IcaeTaskSample? Fact(Random random, int spans, int budget, int target, bool code)
    {
        string fact, prompt, answer;
        var inserts = new List<(int Span, string Sentence)>();
        if (code)
        {
            var names = Enumerable.Range(0, 4).Select(_ => $"{FirstNames[random.Next(FirstNames.Length)]} {LastNames[random.Next(LastNames.Length)]}")
                                  .Distinct().ToList();
            answer = Code(random);
            fact = $"The access code for {names[0]} is {answer}.";
            prompt = $"What is the access code for {names[0]}?";
            foreach (var other in names.Skip(1).Take(random.Next(0, 4)))
            {
                var otherCode = Code(random);
                if (otherCode != answer) inserts.Add((random.Next(spans), $"The access code for {other} is {otherCode}."));
            }
        }
        else
        {
            answer = random.Next(10000, 100000).ToString(System.Globalization.CultureInfo.InvariantCulture);
            fact = $"The pass key is {answer}. Remember it. {answer} is the pass key.";
            prompt = "What is the pass key?";
        }
        inserts.Add((target, fact));
        var spanTexts = new string[spans];
        var stream = Stream(random);
        for (var s = 0; s < spans; s++)
        {
            var sentences = inserts.Where(i => i.Span == s).Select(i => i.Sentence).ToList();
            var reserved = sentences.Sum(countTokens) + 2 * sentences.Count;
            var words = Take(stream, budget - reserved);
            foreach (var sentence in sentences) Insert(random, words, sentence);
            spanTexts[s] = Fit(words, budget, sentences);
        }
        return Finish(spanTexts, prompt, answer, code ? "code" : "passkey", fact, target);
    }

    /// <summary>Questions about the text itself: the next word after a phrase, the sentence around a phrase, a continuation.</summary>
    private IcaeTaskSample? FromText(Random random, string task, int spans, int budget, int target)
    {
        var stream = Stream(random);
        var spanWords = Enumerable.Range(0, spans).Select(_ => Take(stream, budget)).ToList();
        var spanTexts = spanWords.Select(w => Fit(w, budget, [])).ToArray();
        var words = spanTexts[target].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var input = string.Join('\n', spanTexts);
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            string prompt, answer, evidence, phrase;
            switch (task)
            {
                case "next-word":
                {
                    if (words.Length < PhraseWords + 1) return null;
                    var i = random.Next(words.Length - PhraseWords);
                    phrase = string.Join(' ', words[i..(i + PhraseWords)]);
                    answer = words[i + PhraseWords].Trim(NonWordEdge);
                    if (answer.Length == 0 || !answer.All(char.IsLetterOrDigit)) continue;
                    evidence = phrase + " " + words[i + PhraseWords];
                    prompt = $"Which word comes after \"{phrase}\"?";
                    break;
                }
                case "quote":
                {
                    var sentences = Sentences(words);
                    if (sentences.Count == 0) return null;
                    var (start, end) = sentences[random.Next(sentences.Count)];
                    var k = random.Next(start, end - PhraseWords + 1);
                    phrase = string.Join(' ', words[k..(k + PhraseWords)]);
                    answer = evidence = string.Join(' ', words[start..end]);
                    prompt = $"Quote the sentence containing \"{phrase}\".";
                    break;
                }
                default:
                {
                    if (words.Length < ContinuationContext + ContinuationWords) return null;
                    var i = random.Next(words.Length - ContinuationContext - ContinuationWords + 1);
                    phrase = string.Join(' ', words[i..(i + ContinuationContext)]);
                    answer = string.Join(' ', words[(i + ContinuationContext)..(i + ContinuationContext + ContinuationWords)]);
                    evidence = phrase + " " + answer;
                    prompt = $"What are the next {ContinuationWords} words after \"{phrase}\"?";
                    break;
                }
            }
            if (Occurrences(input, phrase) != 1) continue;   // the question must point at one place
            return Finish(spanTexts, prompt, answer, task, evidence, target);
        }
        return null;
    }

    private static IcaeTaskSample? Finish(string[] spanTexts, string prompt, string answer, string task, string evidence, int target)
    {
        var input = string.Join('\n', spanTexts);
        var offset = input.IndexOf(evidence, StringComparison.Ordinal);
        if (offset < 0 || input.AsSpan(0, offset).Count('\n') != target) return null;
        return new IcaeTaskSample(input, prompt, answer, task, spanTexts.Length, target, offset, evidence);
    }

    // ---- text ----

    /// <summary>An endless word stream from a random place in a random document, running on into the next documents.</summary>
    private IEnumerator<string> Stream(Random random)
    {
        var doc = random.Next(documents.Count);
        var words = Words(doc);
        var start = random.Next(words.Length);
        return Endless(doc, start);

        IEnumerator<string> Endless(int d, int s)
        {
            while (true)
            {
                var w = Words(d);
                for (var i = s; i < w.Length; i++) yield return w[i];
                d = (d + 1) % documents.Count;
                s = 0;
            }
        }
    }

    private string[] Words(int doc)
    {
        if (!wordsOf.TryGetValue(doc, out var words))
        {
            if (wordsOf.Count > 256) wordsOf.Clear();   // a cache, not a copy of the corpus
            words = wordsOf[doc] = Whitespace().Split(documents[doc].Trim()).Where(w => w.Length > 0).ToArray();
        }
        return words;
    }

    /// <summary>Words from the stream while their summed token counts stay within <paramref name="budget"/>.</summary>
    private List<string> Take(IEnumerator<string> stream, int budget)
    {
        var words = new List<string>();
        var tokens = 0;
        while (stream.MoveNext())
        {
            var n = WordTokens(stream.Current);
            if (tokens + n > budget) break;
            words.Add(stream.Current);
            tokens += n;
        }
        return words;
    }

    /// <summary>
    /// The span text within <paramref name="budget"/> tokens, counted on the whole text (per-word counts are an
    /// estimate); drops plain words from the end (or the start) until it fits, never a <paramref name="keep"/> sentence.
    /// </summary>
    private string Fit(List<string> words, int budget, IReadOnlyList<string> keep)
    {
        while (true)
        {
            var text = string.Join(' ', words);
            if (countTokens(text) <= budget) return text;
            var tail = string.Join(' ', words.TakeLast(12));
            if (keep.Any(k => tail.Contains(k, StringComparison.Ordinal))) words.RemoveAt(0);
            else words.RemoveAt(words.Count - 1);
            if (words.Count == 0) throw new InvalidOperationException("a fact sentence alone exceeds the span budget");
        }
    }

    /// <summary>Inserts <paramref name="sentence"/> (as one "word" list entry) after a random sentence end, or at a random word boundary.</summary>
    private static void Insert(Random random, List<string> words, string sentence)
    {
        var ends = Enumerable.Range(0, words.Count).Where(i => EndsSentence(words, i)).Select(i => i + 1).Prepend(0).ToList();
        words.Insert(ends.Count > 1 ? ends[random.Next(ends.Count)] : random.Next(words.Count + 1), sentence);
    }

    /// <summary>Whole sentences of 6..40 words: [start, end) word ranges between sentence ends, starting with a capital.</summary>
    private static List<(int Start, int End)> Sentences(string[] words)
    {
        var result = new List<(int, int)>();
        var start = -1;   // the span may open mid-sentence: skip to the first sentence end
        for (var i = 0; i < words.Length; i++)
        {
            if (!EndsSentence(words, i)) continue;
            if (start >= 0 && i + 1 - start is >= 6 and <= 40 && char.IsUpper(words[start].TrimStart('"', '\'', '(').FirstOrDefault()))
                result.Add((start, i + 1));
            start = i + 1;
        }
        return result;
    }

    /// <summary>
    /// Word i closes a sentence: it ends in . ! or ?, is no list number or initial ("2.", "n."), and the next word
    /// starts with a capital. Dictionary-style text ("1. A man who ...; 2. an enlisted man ...") then yields no false
    /// sentences whose exact quote would be ambiguous.
    /// </summary>
    private static bool EndsSentence(IReadOnlyList<string> words, int i)
    {
        var word = words[i].TrimEnd('"', '\'', ')', ']');
        if (!(word.EndsWith('.') || word.EndsWith('!') || word.EndsWith('?'))) return false;
        var core = word.TrimEnd('.', '!', '?');
        if (core.Length < 2 || core.All(char.IsDigit)) return false;
        return i + 1 == words.Count || char.IsUpper(words[i + 1].TrimStart('"', '\'', '(').FirstOrDefault());
    }

    private int WordTokens(string word)
    {
        if (!wordTokens.TryGetValue(word, out var n))
        {
            if (wordTokens.Count > 200_000) wordTokens.Clear();
            n = wordTokens[word] = countTokens(word);
        }
        return n;
    }

    private static int Occurrences(string text, string phrase)
    {
        var count = 0;
        for (var i = text.IndexOf(phrase, StringComparison.Ordinal); i >= 0; i = text.IndexOf(phrase, i + 1, StringComparison.Ordinal)) count++;
        return count;
    }

    private static string Code(Random random) =>
        $"{(char)('A' + random.Next(26))}{(char)('A' + random.Next(26))}-{random.Next(1000, 10000)}";

    private static readonly char[] NonWordEdge = ".,;:!?\"'()[]{}«»“”‘’-—_*".ToCharArray();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    // ---- output ----

    private static readonly JsonSerializerOptions JsonLine = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>One JSON object per line (UTF-8, no BOM), written to a temporary file and renamed.</summary>
    public static int WriteJsonl(string path, IEnumerable<IcaeTaskSample> samples)
    {
        var temp = path + ".tmp";
        var count = 0;
        using (var writer = new StreamWriter(temp, false, new System.Text.UTF8Encoding(false)))
            foreach (var s in samples)
            {
                writer.Write(JsonSerializer.Serialize(s, JsonLine));
                writer.Write('\n');
                count++;
            }
        File.Move(temp, path, overwrite: true);
        return count;
    }

    public static IcaeTaskSample ReadLine(string line) =>
        JsonSerializer.Deserialize<IcaeTaskSample>(line) ?? throw new InvalidDataException("null sample line");
}
