namespace MemoryPlatform.Cli.Chaos;

/// <summary>
/// Wrong answers of a flood, grouped (what was sent, what came back) so that ten thousand requests give a few readable
/// failures, each with a count and one example, instead of ten thousand lines.
/// </summary>
public sealed class ResponseTally
{
    private readonly Dictionary<string, (int Count, string Example)> wrong = [];

    public void Wrong(string group, string example)
    {
        lock (wrong) wrong[group] = wrong.TryGetValue(group, out var seen) ? (seen.Count + 1, seen.Example) : (1, example);
    }

    public int WrongCount { get { lock (wrong) return wrong.Values.Sum(w => w.Count); } }

    public void ReportTo(ChaosReport report, string what)
    {
        lock (wrong)
            foreach (var (group, (count, example)) in wrong.OrderByDescending(w => w.Value.Count))
                report.Fail($"{count} {what} {group}; e.g. {example}");
    }

    public static string Shorten(string text, int max = 200) => text.Length > max ? text[..max] + "…" : text;
}
