using System.Text.Json;
using System.Text.RegularExpressions;
using MemoryPlatform.ModelCore.Icae;
using MemoryPlatform.ModelCore.Tests.TestSupport;

namespace MemoryPlatform.ModelCore.Tests.Icae;

public class IcaeTaskGeneratorTests
{
    /// <summary>A stand-in tokenizer: one token per 4 characters (whole-text counts differ from summed word counts, as with BPE).</summary>
    private static int CountTokens(string text) => (text.Length + 3) / 4;

    /// <summary>Documents of sentences over a 300-word made-up vocabulary, so 4-word phrases are nearly always unique.</summary>
    private static List<string> Documents(int count = 30, int seed = 9)
    {
        var random = new Random(seed);
        var vocabulary = Enumerable.Range(0, 300).Select(i => new string(Enumerable.Range(0, 3 + i % 6).Select(_ => (char)('a' + random.Next(26))).ToArray())).ToArray();
        return Enumerable.Range(0, count).Select(_ => string.Join(' ', Enumerable.Range(0, random.Next(40, 120)).Select(_ =>
        {
            var words = Enumerable.Range(0, random.Next(6, 20)).Select(_ => vocabulary[random.Next(vocabulary.Length)]).ToArray();
            words[0] = char.ToUpperInvariant(words[0][0]) + words[0][1..];
            return string.Join(' ', words) + (random.Next(5) == 0 ? "," : ".") + (random.Next(4) == 0 ? "\n" : "");
        }))).ToList();
    }

    private static IcaeTaskGenerator Generator(int maxSpans = 6) =>
        new(Documents(), CountTokens, new IcaeTaskOptions(SpanTokens: 512, MaxSpans: maxSpans));

    [Fact]
    public void Every_answer_is_in_the_input_at_the_stated_span_and_offset()
    {
        var samples = Generator().Generate(100, seed: 3).ToList();

        Assert.Equal(IcaeTaskGenerator.Tasks.ToHashSet(), samples.Select(s => s.Task).ToHashSet());
        foreach (var s in samples)
        {
            var lines = s.Input.Split('\n');
            Assert.Equal(s.Spans, lines.Length);
            Assert.InRange(s.Span, 0, s.Spans - 1);
            Assert.All(lines, line => Assert.True(CountTokens(line) <= 512, $"span of {CountTokens(line)} tokens"));
            Assert.Equal(s.Evidence, s.Input.Substring(s.Offset, s.Evidence.Length));
            Assert.Equal(s.Span, s.Input[..s.Offset].Count(c => c == '\n'));
            Assert.Contains(s.Answer, s.Evidence);
            Assert.NotEmpty(s.Answer);
            var quoted = Regex.Match(s.Prompt, "\"(.*)\"").Groups[1].Value;
            switch (s.Task)
            {
                case "code":
                    var name = Regex.Match(s.Prompt, "^What is the access code for (.+)\\?$").Groups[1].Value;
                    Assert.Equal($"The access code for {name} is {s.Answer}.", s.Evidence);
                    Assert.Matches("^[A-Z]{2}-[0-9]{4}$", s.Answer);
                    Assert.Single(Regex.Matches(s.Input, $"access code for {name} is"));
                    break;
                case "passkey":
                    Assert.Equal("What is the pass key?", s.Prompt);
                    Assert.Matches("^[0-9]{5}$", s.Answer);
                    break;
                case "next-word":
                    Assert.StartsWith(quoted + " ", s.Evidence);
                    Assert.Equal(1, Occurrences(s.Input, quoted));
                    Assert.Matches("^[A-Za-z0-9]+$", s.Answer);
                    break;
                case "quote":
                    Assert.Contains(quoted, s.Answer);
                    Assert.Equal(1, Occurrences(s.Input, quoted));
                    Assert.Matches("[.!?]$", s.Answer);
                    break;
                case "continuation":
                    Assert.Equal(s.Evidence, quoted + " " + s.Answer);
                    Assert.Equal(8, s.Answer.Split(' ').Length);
                    Assert.Equal(1, Occurrences(s.Input, quoted));
                    break;
            }
        }
    }

    [Fact]
    public void Single_and_multi_span_samples_are_both_made()
    {
        var samples = Generator(maxSpans: 6).Generate(100, seed: 4).ToList();
        var single = samples.Where(s => s.Spans == 1).ToList();
        var multi = samples.Where(s => s.Spans > 1).ToList();

        Assert.InRange(single.Count, 25, 75);
        Assert.All(single, s => Assert.True(CountTokens(s.Input) <= 512));
        Assert.All(multi, s => Assert.InRange(s.Spans, 2, 6));
        Assert.True(multi.Select(s => s.Span).Distinct().Count() > 2, "the evidence should land in different spans");
        Assert.Contains(multi, s => s.Span > 0);
    }

    [Fact]
    public void The_same_seed_gives_the_same_file_and_another_seed_another()
    {
        using var dir = new TempDirectory();
        IcaeTaskGenerator.WriteJsonl(dir.File("a.jsonl"), Generator().Generate(20, seed: 7));
        IcaeTaskGenerator.WriteJsonl(dir.File("b.jsonl"), Generator().Generate(20, seed: 7));
        IcaeTaskGenerator.WriteJsonl(dir.File("c.jsonl"), Generator().Generate(20, seed: 8));

        Assert.Equal(File.ReadAllText(dir.File("a.jsonl")), File.ReadAllText(dir.File("b.jsonl")));
        Assert.NotEqual(File.ReadAllText(dir.File("a.jsonl")), File.ReadAllText(dir.File("c.jsonl")));
    }

    [Fact]
    public void Each_line_is_one_json_object_with_the_pwc_fields()
    {
        using var dir = new TempDirectory();
        var written = IcaeTaskGenerator.WriteJsonl(dir.File("t.jsonl"), Generator().Generate(10, seed: 1));
        var lines = File.ReadAllLines(dir.File("t.jsonl"));

        Assert.Equal(10, written);
        Assert.Equal(10, lines.Length);
        foreach (var line in lines)
        {
            using var json = JsonDocument.Parse(line);
            foreach (var field in new[] { "input", "prompt", "answer", "task" })
                Assert.False(string.IsNullOrEmpty(json.RootElement.GetProperty(field).GetString()));
            Assert.Equal(IcaeTaskGenerator.ReadLine(line).Answer, json.RootElement.GetProperty("answer").GetString());
        }
    }

    private static int Occurrences(string text, string phrase) => Regex.Matches(text, Regex.Escape(phrase)).Count;
}
