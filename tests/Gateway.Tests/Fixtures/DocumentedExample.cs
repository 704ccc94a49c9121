using System.Text.RegularExpressions;

namespace MemoryPlatform.Gateway.Tests.Fixtures;

/// <summary>
/// One curl example of docs/api.md: a ```bash block starting with curl, the "Status: NNN" line under it, and
/// optionally the response block after that (```json or ```text).
/// </summary>
public sealed partial record DocumentedExample(string Command, int Status, string? ResponseLanguage, string? Response, int Line)
{
    public static IReadOnlyList<DocumentedExample> Parse(string markdown)
    {
        var examples = new List<DocumentedExample>();
        foreach (Match m in Example().Matches(markdown))
        {
            var line = markdown[..m.Index].Count(c => c == '\n') + 1;
            examples.Add(new DocumentedExample(m.Groups["cmd"].Value.Trim(), int.Parse(m.Groups["status"].Value),
                m.Groups["lang"].Success ? m.Groups["lang"].Value : null, m.Groups["body"].Success ? m.Groups["body"].Value.Trim() : null, line));
        }
        return examples;
    }

    [GeneratedRegex(@"```bash\n(?<cmd>curl[\s\S]*?)\n```\s*\nStatus: (?<status>\d{3})\s*\n(?:\s*```(?<lang>json|text)\n(?<body>[\s\S]*?)\n```)?")]
    private static partial Regex Example();
}
