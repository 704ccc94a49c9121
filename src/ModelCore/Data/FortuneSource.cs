namespace MemoryPlatform.ModelCore.Data;

/// <summary>
/// fortunes / fortunes-min: one document per fortune file (fortunes separated by "%" lines).
/// Index files (.dat), the .u8 symlinks and the offensive set (off/) are skipped.
/// </summary>
public sealed class FortuneSource(string name, string package) : ICorpusSource
{
    public const string Dir = "/usr/share/games/fortunes";

    public string Name => name;
    public IReadOnlyList<string> Packages => [package];

    /// <summary>Fortune files owned by the package, per dpkg -L, in ordinal order.</summary>
    public IReadOnlyList<string> Files()
    {
        var r = ProcessRunner.Run("dpkg-query", ["-L", package]);
        if (r.ExitCode != 0) throw new InvalidOperationException($"dpkg-query -L {package} failed");
        return r.StdOut.Split('\n')
            .Where(p => p.StartsWith(Dir + "/", StringComparison.Ordinal)
                        && !Path.GetFileName(p).Contains('.')
                        && File.Exists(p) && new FileInfo(p).LinkTarget == null)
            .Order(StringComparer.Ordinal).ToList();
    }

    public IEnumerable<CorpusDocument> Read() =>
        Files().Select(f => new CorpusDocument(Name, Path.GetFileName(f),
            string.Join("\n\n", SplitFortunes(File.ReadAllText(f)))));

    /// <summary>Fortunes of a strfile source: blocks between lines consisting of "%".</summary>
    public static List<string> SplitFortunes(string text)
    {
        var result = new List<string>();
        var current = new List<string>();
        foreach (var raw in text.Replace("\r\n", "\n").Split('\n'))
        {
            if (raw.TrimEnd() == "%")
            {
                Flush();
                continue;
            }
            current.Add(raw.TrimEnd());
        }
        Flush();
        return result;

        void Flush()
        {
            var s = string.Join('\n', current).Trim('\n');
            if (s.Trim().Length > 0) result.Add(s);
            current.Clear();
        }
    }
}
