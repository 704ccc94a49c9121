using System.Text;
using System.Text.RegularExpressions;

namespace MemoryPlatform.ModelCore.Data;

/// <summary>
/// debian-handbook (English HTML): one document per chapter (or preface/appendix). Pages are
/// read in the book's own order, following each page's rel="next" link from index.html; a page
/// whose name does not start with "sect." opens a new chapter.
/// </summary>
public sealed partial class HandbookSource(string dir = HandbookSource.DefaultDir) : ICorpusSource
{
    public const string DefaultDir = "/usr/share/doc/debian-handbook/html/en-US";

    public string Name => "handbook";
    public IReadOnlyList<string> Packages => ["debian-handbook"];
    public IReadOnlyList<string> Files() => ReadingOrder().Select(p => Path.Combine(dir, p)).ToList();

    /// <summary>Page names after index.html, in reading order.</summary>
    public List<string> ReadingOrder()
    {
        var pages = new List<string>();
        var seen = new HashSet<string>();
        var page = NextPage(File.ReadAllText(Path.Combine(dir, "index.html")));
        while (page != null && seen.Add(page) && File.Exists(Path.Combine(dir, page)))
        {
            pages.Add(page);
            page = NextPage(File.ReadAllText(Path.Combine(dir, page)));
        }
        return pages;
    }

    public IEnumerable<CorpusDocument> Read()
    {
        string? chapter = null;
        var sb = new StringBuilder();
        var index = 0;
        foreach (var page in ReadingOrder())
        {
            if (!page.StartsWith("sect.", StringComparison.Ordinal))
            {
                if (chapter != null) yield return Doc(++index, chapter, sb);
                chapter = Path.GetFileNameWithoutExtension(page);
                sb.Clear();
            }
            sb.Append(PageText(File.ReadAllText(Path.Combine(dir, page)))).Append("\n\n");
        }
        if (chapter != null) yield return Doc(++index, chapter, sb);
    }

    private CorpusDocument Doc(int index, string chapter, StringBuilder sb) =>
        new(Name, $"{index:D2}-{chapter}", sb.ToString());

    public static string? NextPage(string html)
    {
        var m = NextLink().Match(html);
        return m.Success ? m.Groups[1].Value : null;
    }

    /// <summary>The page's content: between the top navigation bar and the bottom one.</summary>
    public static string PageText(string html)
    {
        var start = html.IndexOf("<ul class=\"docnav top\">", StringComparison.Ordinal);
        if (start >= 0) start = html.IndexOf("</ul>", start, StringComparison.Ordinal) + "</ul>".Length;
        else start = Math.Max(0, html.IndexOf("<body", StringComparison.Ordinal));
        var end = html.IndexOf("<ul class=\"docnav\">", start, StringComparison.Ordinal);
        if (end < 0) end = html.Length;
        // A chapter page opens with its table of contents; the sections follow in full anyway.
        return HtmlText.ToText(Toc().Replace(html[start..end], ""));
    }

    [GeneratedRegex(@"<div class=""toc""><dl class=""toc"">.*?</dl></div>", RegexOptions.Singleline)]
    private static partial Regex Toc();

    [GeneratedRegex(@"<link rel=""next"" href=""([^""]+)""")]
    private static partial Regex NextLink();
}
