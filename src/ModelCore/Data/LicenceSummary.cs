using System.Text.RegularExpressions;

namespace MemoryPlatform.ModelCore.Data;

/// <summary>
/// Summarises /usr/share/doc/PKG/copyright: the License: fields of a machine-readable (DEP-5)
/// file, otherwise the licences its prose names.
/// </summary>
public static partial class LicenceSummary
{
    public static string CopyrightPath(string package) => $"/usr/share/doc/{package}/copyright";

    public static string Summarise(string copyrightText)
    {
        var fields = LicenseField().Matches(copyrightText).Select(m => m.Groups[1].Value.Trim())
            .Where(v => v.Length > 0).Distinct().ToList();
        if (fields.Count > 0) return string.Join("; ", fields);
        var found = new List<string>();
        var t = copyrightText;
        if (t.Contains("public domain", StringComparison.OrdinalIgnoreCase)) found.Add("public domain");
        if (Gpl().IsMatch(t)) found.Add("GPL");
        if (t.Contains("Redistribution and use in source and binary forms", StringComparison.OrdinalIgnoreCase))
            found.Add("BSD-style");
        if (t.Contains("unrestricted use", StringComparison.OrdinalIgnoreCase)
            || t.Contains("copy, modify or distribute", StringComparison.OrdinalIgnoreCase))
            found.Add("permissive (unrestricted use)");
        if (t.Contains("Creative Commons", StringComparison.OrdinalIgnoreCase)) found.Add("Creative Commons");
        return found.Count > 0 ? string.Join("; ", found) : "see copyright file";
    }

    [GeneratedRegex(@"^License:[ \t]*(.*)$", RegexOptions.Multiline)]
    private static partial Regex LicenseField();

    [GeneratedRegex(@"GNU General Public Licen[cs]e|\bGPL\b")]
    private static partial Regex Gpl();
}
