using System.IO.Compression;
using System.Text.RegularExpressions;

namespace MemoryPlatform.ModelCore.Data;

/// <summary>
/// jargon-text: the Jargon File's lexicon. Entries start with an indented ":headword:" line;
/// the front matter (mostly a table of contents) before the first entry is skipped.
/// </summary>
public sealed partial class JargonSource : ICorpusSource
{
    public const string TextPath = "/usr/share/doc/jargon-text/jargon.txt.gz";

    public string Name => "jargon";
    public IReadOnlyList<string> Packages => ["jargon-text"];
    public IReadOnlyList<string> Files() => [TextPath];

    public IEnumerable<CorpusDocument> Read()
    {
        using var gz = new GZipStream(File.OpenRead(TextPath), CompressionMode.Decompress);
        using var reader = new StreamReader(gz);
        return DocumentGrouper.Group(Name, "jargon-", SplitEntries(reader.ReadToEnd())).ToList();
    }

    public static List<string> SplitEntries(string text)
    {
        var entries = new List<string>();
        List<string>? current = null;
        foreach (var line in text.Replace("\r\n", "\n").Split('\n'))
        {
            if (EntryStart().IsMatch(line))
            {
                Flush();
                current = [];
            }
            // ":headword: pron, n." reads better as "headword: pron, n.".
            current?.Add(current.Count == 0 ? EntryStart().Replace(line, m => m.Value.Trim()[1..]) : line.Trim());
        }
        Flush();
        return entries;

        void Flush()
        {
            if (current == null) return;
            // {cross-reference} braces are markup; the words inside are text.
            var s = CrossRef().Replace(string.Join('\n', current), "$1").Trim('\n');
            if (s.Length > 0) entries.Add(s);
        }
    }

    [GeneratedRegex(@"^ {1,4}:[^:\s][^:]*:")]
    private static partial Regex EntryStart();

    [GeneratedRegex(@"\{([^{}]*)\}")]
    private static partial Regex CrossRef();
}
