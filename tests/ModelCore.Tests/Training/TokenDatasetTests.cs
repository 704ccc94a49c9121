using System.Text.RegularExpressions;
using MemoryPlatform.ModelCore.Training;

namespace MemoryPlatform.ModelCore.Tests.Training;

public class TokenDatasetTests
{
    [Fact]
    public void Batches_are_a_function_of_seed_step_and_micro_batch()
    {
        var data = TrainingFixtures.RepeatedText(retrievalFraction: 0.5);
        Assert.Equal(data.Batch(3, 10, 0, 4, 33), data.Batch(3, 10, 0, 4, 33));
        Assert.NotEqual(data.Batch(3, 10, 0, 4, 33), data.Batch(3, 11, 0, 4, 33));
        Assert.NotEqual(data.Batch(3, 10, 0, 4, 33), data.Batch(3, 10, 1, 4, 33));
        Assert.NotEqual(data.Batch(3, 10, 0, 4, 33), data.Batch(4, 10, 0, 4, 33));
        Assert.Equal(4 * 33, data.Batch(3, 10, 0, 4, 33).Length);
    }

    [Fact]
    public void Key_value_samples_query_lines_seen_earlier()
    {
        var data = TrainingFixtures.RepeatedText();
        for (var seed = 0; seed < 5; seed++)
        {
            var sample = data.Retrieval(RetrievalKind.KeyValue, new Random(seed), 400);
            Assert.Equal(400, sample.Length);
            var text = TrainingFixtures.Decode(sample);
            var lines = Regex.Matches(text, @"key-\d{4} = \d{5}").Select(m => m.Value).ToList();
            Assert.True(lines.Count >= 3, text);
            // Every query repeats a table line exactly (value included), after the table.
            var repeated = lines.GroupBy(l => l).Where(g => g.Count() == 2).ToList();
            Assert.NotEmpty(repeated);
            Assert.True(lines.Distinct().Count() + repeated.Count == lines.Count, text);
        }
    }

    [Fact]
    public void Passkey_samples_state_the_key_then_ask_for_it()
    {
        var data = TrainingFixtures.RepeatedText();
        for (var seed = 0; seed < 5; seed++)
        {
            var text = TrainingFixtures.Decode(data.Retrieval(RetrievalKind.Passkey, new Random(seed), 300));
            var m = Regex.Match(text, @"The pass key is (\d{5})\. Remember it\. \1 is the pass key\.");
            Assert.True(m.Success, text);
            var ask = text.IndexOf($"What is the pass key? The pass key is {m.Groups[1].Value}.", StringComparison.Ordinal);
            Assert.True(ask > m.Index, text);
        }
    }

    [Fact]
    public void Copy_samples_repeat_a_passage()
    {
        var data = TrainingFixtures.RandomTokens(5000, seed: 1, retrievalFraction: 1);
        for (var seed = 0; seed < 5; seed++)
        {
            var sample = data.Retrieval(RetrievalKind.Copy, new Random(seed), 129);
            Assert.Equal(129, sample.Length);
            // Random text practically never repeats an 8-gram by chance; a copied passage (≥ 16 tokens) does.
            var grams = Enumerable.Range(0, sample.Length - 7).Select(i => string.Join(',', sample.Skip(i).Take(8))).ToList();
            Assert.True(grams.Count - grams.Distinct().Count() >= 8);
        }
    }

    [Fact]
    public void The_copy_fraction_draws_text_copies_before_the_retrieval_mix()
    {
        // Random text practically never repeats an 8-gram by chance; a copied passage does, many times.
        static bool Copies(IEnumerable<long> row)
        {
            var r = row.ToArray();
            var grams = Enumerable.Range(0, r.Length - 7).Select(i => string.Join(',', r.Skip(i).Take(8))).ToList();
            return grams.Count - grams.Distinct().Count() >= 8;
        }
        var plain = TrainingFixtures.RandomTokens(5000, seed: 1, retrievalFraction: 0);
        int CopyRows(TokenDataset data) => Enumerable.Range(0, 32).Count(i => Copies(data.Batch(7, 3, 0, 32, 129).Skip(i * 129).Take(129)));

        Assert.Equal(0, CopyRows(plain));
        Assert.Equal(32, CopyRows(new TokenDataset(plain.Tokens) { CopyFraction = 1 }));
        Assert.InRange(CopyRows(new TokenDataset(plain.Tokens) { CopyFraction = 0.5 }), 8, 24);
        // Unset, the sampler draws exactly what it always drew (runs from before the option resume unchanged).
        var mixed = TrainingFixtures.RandomTokens(5000, seed: 1, retrievalFraction: 0.5);
        Assert.Equal(mixed.Batch(7, 3, 0, 8, 129), new TokenDataset(mixed.Tokens) { RetrievalFraction = 0.5, CopyFraction = 0 }.Batch(7, 3, 0, 8, 129));
    }

    [Fact]
    public void Repeat_samples_are_a_passage_the_marker_the_passage_again_and_eos()
    {
        const int marker = 101;   // outside the fixture's ids 3..100, as <0x00> is outside the corpus
        var data = new TokenDataset(TrainingFixtures.RandomTokens(5000, seed: 1, retrievalFraction: 0).Tokens) { RepeatMarker = marker, EosId = 2 };
        for (var seed = 0; seed < 5; seed++)
        {
            var sample = data.RepeatSample(new Random(seed), 129);
            Assert.Equal(129, sample.Length);
            var n = Array.IndexOf(sample, marker);
            Assert.InRange(n, 129 / 8, 127 / 2);
            Assert.Equal(sample[..n], sample[(n + 1)..(2 * n + 1)]);
            Assert.Equal(2, sample[2 * n + 1]);
        }
        // Every row of a repeat-only batch is one.
        var all = new TokenDataset(data.Tokens) { RepeatMarker = marker, RepeatFraction = 1 };
        Assert.Equal(4, Enumerable.Range(0, 4).Count(i => all.Batch(1, 2, 0, 4, 129).Skip(i * 129).Take(129).Contains(marker)));
    }

    [Fact]
    public void Repeat_samples_without_a_marker_are_refused_with_the_reason()
    {
        var data = new TokenDataset(TrainingFixtures.RandomTokens(500, seed: 1, retrievalFraction: 0).Tokens) { RepeatFraction = 1 };
        var e = Assert.Throws<InvalidOperationException>(() => data.Batch(1, 0, 0, 2, 65));
        Assert.Contains("marker", e.Message);
    }

    [Fact]
    public void Number_copy_samples_repeat_runs_of_numbers()
    {
        var data = TrainingFixtures.RepeatedText();
        for (var seed = 0; seed < 5; seed++)
        {
            var sample = data.Retrieval(RetrievalKind.NumberCopy, new Random(seed), 300);
            Assert.Equal(300, sample.Length);
            var text = TrainingFixtures.Decode(sample);
            // Some run of at least three numbers (two of them 3+ digits) appears twice.
            var runs = Regex.Matches(text, @"\d+ \d{3,} \d{3,}").Select(m => m.Value).ToList();
            Assert.True(runs.Count >= 2, text);
            Assert.Contains(runs, r => text.IndexOf(r, StringComparison.Ordinal) != text.LastIndexOf(r, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Digit_run_numbers_are_five_digits_with_one_digit_repeated_in_a_row()
    {
        var random = new Random(3);
        var numbers = Enumerable.Range(0, 2000).Select(_ => TokenDataset.DigitRunNumber(random)).ToList();
        Assert.All(numbers, n => Assert.InRange(n, 10000, 99999));
        Assert.All(numbers, n => Assert.Matches(@"(\d)\1", n.ToString()));
        // Runs of 3 and 4 are a third each: far more than uniform keys' 4 %.
        Assert.InRange(numbers.Count(n => Regex.IsMatch(n.ToString(), @"(\d)\1\1")), 600, 2000);
        Assert.Contains(numbers, n => Regex.IsMatch(n.ToString(), @"(\d)\1\1\1"));
    }

    [Fact]
    public void The_digit_run_fraction_sets_the_share_of_passkeys_with_a_run()
    {
        var plain = TrainingFixtures.RepeatedText();
        string Key(TokenDataset data, int seed) =>
            Regex.Match(TrainingFixtures.Decode(data.Retrieval(RetrievalKind.Passkey, new Random(seed), 300)), @"The pass key is (\d{5})").Groups[1].Value;
        int WithRun(TokenDataset data) => Enumerable.Range(0, 200).Count(seed => Regex.IsMatch(Key(data, seed), @"(\d)\1"));

        Assert.Equal(200, WithRun(new TokenDataset(plain.Tokens, TrainingFixtures.Encode) { DigitRunFraction = 1 }));
        Assert.InRange(WithRun(plain), 40, 100);   // uniform keys: 1 − 0.9⁴ ≈ 34 % hold a pair
        Assert.InRange(WithRun(new TokenDataset(plain.Tokens, TrainingFixtures.Encode) { DigitRunFraction = 0.5 }), 110, 160);
    }

    [Fact]
    public void Documents_split_on_the_separator_line()
    {
        var docs = TokenDataset.SplitDocuments("a\nb\n<|doc|>\nc\n<|doc|>\n");
        Assert.Equal(["a\nb", "c"], docs);
    }
}
