using System.Text;
using System.Text.RegularExpressions;

namespace MemoryPlatform.ModelCore.Data;

/// <summary>Normalisation every document goes through, whatever its source.</summary>
public static partial class TextCleaner
{
    /// <summary>Line that separates documents in the split files; never allowed inside a document.</summary>
    public const string DocSeparator = "<|doc|>";

    /// <summary>
    /// CRLF/CR to LF, NFC, control characters dropped, trailing spaces trimmed, no more than two
    /// blank lines in a row, no leading/trailing blank lines.
    /// </summary>
    public static string Clean(string text)
    {
        var s = text.Replace("\r\n", "\n").Replace('\r', '\n');
        s = s.Normalize(NormalizationForm.FormC);
        var sb = new StringBuilder(s.Length);
        foreach (var c in s)
        {
            // Tabs become spaces so that the tokenizer sees one kind of horizontal whitespace.
            if (c == '\t') sb.Append("    ");
            else if (c == '\n' || !char.IsControl(c)) sb.Append(c);
        }
        var lines = sb.ToString().Split('\n')
            .Select(l => l.TrimEnd())
            .Where(l => l != DocSeparator);
        s = string.Join('\n', lines);
        s = ManyBlankLines().Replace(s, "\n\n\n");
        return s.Trim('\n');
    }

    // Four or more newlines are more than two blank lines.
    [GeneratedRegex("\n{4,}")]
    private static partial Regex ManyBlankLines();
}
