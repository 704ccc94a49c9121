using System.Globalization;

namespace MemoryPlatform.ModelCore.Data;

/// <summary>
/// wordnet-base: one line per synset, "word, word: gloss", grouped by part of speech and
/// lexicographer file (so that a document is about one topic, e.g. animals) into documents.
/// </summary>
public sealed class WordNetSource : ICorpusSource
{
    public const string Dir = "/usr/share/wordnet";
    private static readonly string[] Parts = ["noun", "verb", "adj", "adv"];

    public string Name => "wordnet";
    public IReadOnlyList<string> Packages => ["wordnet-base"];
    public IReadOnlyList<string> Files() => Parts.Select(p => $"{Dir}/data.{p}").ToList();

    public IEnumerable<CorpusDocument> Read()
    {
        foreach (var part in Parts)
        {
            var byLexFile = new SortedDictionary<int, List<string>>();
            foreach (var line in File.ReadLines($"{Dir}/data.{part}"))
            {
                var synset = ParseLine(line);
                if (synset == null) continue;
                if (!byLexFile.TryGetValue(synset.Value.LexFile, out var list))
                    byLexFile[synset.Value.LexFile] = list = [];
                list.Add(synset.Value.Text);
            }
            foreach (var (lex, lines) in byLexFile)
                foreach (var doc in DocumentGrouper.Group(Name, $"wordnet-{part}-{lex:D2}-", lines))
                    yield return doc;
        }
    }

    /// <summary>
    /// Parses a data.* line ("offset lexfile pos w_cnt(hex) word lex_id ... | gloss"); null for
    /// the licence header (lines starting with spaces) and malformed lines.
    /// </summary>
    public static (int LexFile, string Text)? ParseLine(string line)
    {
        if (line.Length == 0 || line[0] == ' ') return null;
        var bar = line.IndexOf(" | ", StringComparison.Ordinal);
        if (bar < 0) return null;
        var f = line[..bar].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (f.Length < 6 || !int.TryParse(f[1], CultureInfo.InvariantCulture, out var lex)
            || !int.TryParse(f[3], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var count)
            || f.Length < 4 + 2 * count) return null;
        var words = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var w = f[4 + 2 * i].Replace('_', ' ');
            var paren = w.IndexOf('('); // adjective position markers: "galore(ip)"
            if (paren > 0) w = w[..paren];
            words.Add(w);
        }
        var gloss = line[(bar + 3)..].Trim();
        return (lex, $"{string.Join(", ", words)}: {gloss}");
    }
}
