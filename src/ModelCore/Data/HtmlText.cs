using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace MemoryPlatform.ModelCore.Data;

/// <summary>
/// HTML to plain text, enough for generated documentation (DocBook/Publican): scripts, styles
/// and comments dropped, &lt;pre&gt; kept verbatim, block elements become line breaks,
/// other whitespace collapses as a browser would, entities decoded.
/// </summary>
public static partial class HtmlText
{
    public static string ToText(string html)
    {
        var s = Dropped().Replace(html, " ");
        var sb = new StringBuilder();
        var last = 0;
        foreach (Match pre in Pre().Matches(s))
        {
            sb.Append(Flow(s[last..pre.Index]));
            sb.Append("\n\n").Append(Decode(Tag().Replace(pre.Groups[1].Value, "")).Trim('\n')).Append("\n\n");
            last = pre.Index + pre.Length;
        }
        sb.Append(Flow(s[last..]));
        var lines = sb.ToString().Split('\n').Select(l => l.TrimEnd());
        return Blank().Replace(string.Join('\n', lines), "\n\n").Trim('\n', ' ');
    }

    // Text outside <pre>: whitespace collapses, blocks break lines, list items get a bullet.
    private static string Flow(string html)
    {
        var s = Space().Replace(html, " ");
        s = ListItem().Replace(s, "\n- ");
        s = Paragraph().Replace(s, "\n\n");
        s = LineBreak().Replace(s, "\n");
        s = Tag().Replace(s, "");
        var lines = Decode(s).Split('\n').Select(l => l.Trim());
        return string.Join('\n', lines);
    }

    private static string Decode(string s) => WebUtility.HtmlDecode(s).Replace('\u00a0', ' ');

    [GeneratedRegex(@"<(script|style)\b.*?</\1\s*>|<!--.*?-->", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex Dropped();

    [GeneratedRegex(@"<pre\b[^>]*>(.*?)</pre\s*>", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex Pre();

    [GeneratedRegex(@"<[^>]*>")]
    private static partial Regex Tag();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Space();

    [GeneratedRegex(@"<li\b[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex ListItem();

    [GeneratedRegex(@"</?(p|h[1-6]|table|ul|ol|dl|blockquote)\b[^>]*>|<div\b[^>]*class=""(para|title|note|warning|important|tip|sidebar)[^""]*""[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex Paragraph();

    [GeneratedRegex(@"<br\b[^>]*>|</?(div|tr|dt|dd|caption)\b[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex LineBreak();

    [GeneratedRegex(@"\n{3,}")]
    private static partial Regex Blank();
}
