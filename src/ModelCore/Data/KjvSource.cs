using System.Text;
using System.Text.RegularExpressions;

namespace MemoryPlatform.ModelCore.Data;

/// <summary>
/// bible-kjv-text: the King James Bible, one document per book. The text package holds a
/// compressed database that only its reader, `bible` (package bible-kjv), can decode; we ask
/// it for the whole text unwrapped and split it at chapter headings.
/// </summary>
public sealed partial class KjvSource : ICorpusSource
{
    public const string DataPath = "/usr/lib/bible.data";

    public string Name => "kjv";
    public IReadOnlyList<string> Packages => ["bible-kjv-text", "bible-kjv"];
    public IReadOnlyList<string> Files() => [DataPath];

    public IEnumerable<CorpusDocument> Read()
    {
        // -l4096: line width far beyond the longest verse, so every verse is one line.
        var r = ProcessRunner.Run("bible", ["-l4096", "gen1:1-rev22:21"]);
        if (r.ExitCode != 0) throw new InvalidOperationException($"bible failed ({r.ExitCode}): {r.StdErr}");
        return SplitBooks(r.StdOut);
    }

    /// <summary>
    /// Splits `bible` output ("Genesis 1" headings, "  1 In the beginning..." verses) into one
    /// document per book; verse numbers are dropped, chapter headings kept.
    /// </summary>
    public static IEnumerable<CorpusDocument> SplitBooks(string output)
    {
        string? book = null;
        var sb = new StringBuilder();
        var index = 0;
        foreach (var line in output.Replace("\r\n", "\n").Split('\n'))
        {
            var heading = ChapterHeading().Match(line);
            if (heading.Success)
            {
                var name = heading.Groups[1].Value;
                if (name != book)
                {
                    if (book != null) yield return Doc(++index, book, sb);
                    book = name;
                    sb.Clear().Append(book).Append('\n');
                }
                sb.Append('\n').Append(line).Append("\n\n");
                continue;
            }
            var verse = Verse().Match(line);
            if (verse.Success && book != null) sb.Append(verse.Groups[1].Value).Append('\n');
        }
        if (book != null) yield return Doc(++index, book, sb);
    }

    private static CorpusDocument Doc(int index, string book, StringBuilder sb) =>
        new("kjv", $"{index:D2}-{book.Replace(' ', '-')}", sb.ToString());

    [GeneratedRegex(@"^([1-3]?\s?[A-Z][A-Za-z ]*[a-z]) ([0-9]+)$")]
    private static partial Regex ChapterHeading();

    [GeneratedRegex(@"^\s+[0-9]+ (.*\S)\s*$")]
    private static partial Regex Verse();
}
