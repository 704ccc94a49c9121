using System.Text.Json;

namespace MemoryPlatform.Cli.Commands;

/// <summary>Result files named on the command line, as `plot` and `eval compare` read them.</summary>
public static class ResultFiles
{
    /// <summary>
    /// NAME=FILE arguments as (name, JSON text). NAME=FILE#KEY takes the value at KEY (property names joined by '/') of a
    /// file that collects several results under names (docs/results/icae-eval-ft.json: #RUN/report).
    /// </summary>
    public static List<(string Name, string Json)> Named(string[] results) => results.Select(r =>
    {
        var eq = r.IndexOf('=');
        if (eq <= 0) throw new ArgumentException($"--result '{r}': expected NAME=FILE or NAME=FILE#KEY");
        var (file, key) = r[(eq + 1)..].Split('#') is [var f, var k] ? (f, k) : (r[(eq + 1)..], null);
        var text = File.ReadAllText(file);
        if (key is null) return (r[..eq], text);
        JsonDocument doc;
        try { doc = JsonDocument.Parse(text); }
        catch (JsonException e) { throw new InvalidDataException($"--result '{r}': {file} is not JSON ({e.Message})", e); }
        using var _ = doc;
        var part = doc.RootElement;
        foreach (var name in key.Split('/'))
            part = part.ValueKind == JsonValueKind.Object && part.TryGetProperty(name, out var inner)
                ? inner : throw new ArgumentException($"--result '{r}': {file} has no \"{key}\"");
        return (r[..eq], part.GetRawText());
    }).ToList();
}
