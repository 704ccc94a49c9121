using System.Diagnostics;
using System.Text;

namespace MemoryPlatform.ModelCore.Data;

/// <summary>Options of one build.</summary>
public sealed record CorpusBuildOptions
{
    public required string OutDir { get; init; }
    /// <summary>Source names, or null for all of <see cref="CorpusBuilder.DefaultSources"/>.</summary>
    public IReadOnlyList<string>? Sources { get; init; }
    /// <summary>Keep at most this many (cleaned, English) documents per source; for quick builds and tests.</summary>
    public int? MaxDocsPerSource { get; init; }
    public SplitSettings Split { get; init; } = new();
    /// <summary>Install missing Debian packages with apt-get (else fail if one is missing).</summary>
    public bool InstallMissing { get; init; } = true;
}

/// <summary>
/// Builds the English corpus: installs the source packages, reads each source, cleans and
/// filters documents, splits them by document, writes the split files, test-long/ and manifest.json.
/// </summary>
public static class CorpusBuilder
{
    public const string Format = "memplat-corpus/1";
    public const string TestLongDir = "test-long";

    /// <summary>All sources, in the fixed order used for output files.</summary>
    public static IReadOnlyList<ICorpusSource> DefaultSources() =>
    [
        new KjvSource(),
        new GcideSource(),
        new WordNetSource(),
        new FortuneSource("fortunes-min", "fortunes-min"),
        new FortuneSource("fortunes", "fortunes"),
        new HandbookSource(),
        new DevilSource(),
        new JargonSource(),
    ];

    public static IReadOnlyList<ICorpusSource> SelectSources(IReadOnlyList<string>? names)
    {
        var all = DefaultSources();
        if (names == null || names.Count == 0) return all;
        var unknown = names.Where(n => all.All(s => s.Name != n)).ToList();
        if (unknown.Count > 0)
            throw new ArgumentException(
                $"unknown source(s): {string.Join(", ", unknown)}; known: {string.Join(", ", all.Select(s => s.Name))}");
        // Output order is the fixed order, whatever order the names came in.
        return all.Where(s => names.Contains(s.Name)).ToList();
    }

    public static CorpusManifest Build(CorpusBuildOptions options, TextWriter log)
    {
        var sources = SelectSources(options.Sources);
        var packages = sources.SelectMany(s => s.Packages).Distinct().ToList();
        if (options.InstallMissing) PackageInstaller.EnsureInstalled(packages, log);

        var docs = new List<CorpusDocument>();
        var infos = new List<SourceInfo>();
        foreach (var source in sources)
        {
            var sw = Stopwatch.StartNew();
            log.WriteLine($"corpus: reading {source.Name} ({string.Join(", ", source.Packages)})");
            int read = 0, kept = 0;
            long chars = 0;
            foreach (var raw in source.Read())
            {
                // With --max-docs there is no need to read (and clean) the rest of the source.
                if (options.MaxDocsPerSource is { } max && kept >= max) break;
                read++;
                var text = TextCleaner.Clean(raw.Text);
                if (!EnglishFilter.IsEnglish(text)) continue;
                docs.Add(raw with { Text = text });
                kept++;
                chars += text.Length;
            }
            infos.Add(new SourceInfo(source.Name, source.Packages.Select(Describe).ToList(), source.Files(),
                read, kept, read - kept, chars));
            log.WriteLine($"corpus: {source.Name}: {kept} documents kept of {read}, {chars:N0} chars, {sw.Elapsed.TotalSeconds:F1}s");
        }

        Directory.CreateDirectory(options.OutDir);
        var assigned = CorpusSplitter.Assign(docs, options.Split);
        var splits = new SortedDictionary<string, SplitInfo>(StringComparer.Ordinal);
        foreach (var split in Enum.GetValues<CorpusSplit>())
        {
            var name = split.ToString().ToLowerInvariant();
            var members = Enumerable.Range(0, docs.Count).Where(i => assigned[i].Split == split).Select(i => docs[i]).ToList();
            var stats = CorpusWriter.WriteSplit(Path.Combine(options.OutDir, $"{name}.txt"), members.Select(d => d.Text).ToList());
            var bySource = new SortedDictionary<string, SourceCount>(StringComparer.Ordinal);
            foreach (var group in members.GroupBy(d => d.Source))
                bySource[group.Key] = new SourceCount(group.Count(), group.Sum(d => (long)Encoding.UTF8.GetByteCount(d.Text)));
            splits[name] = new SplitInfo($"{name}.txt", stats.Documents, stats.Bytes, stats.Sha256, bySource);
            log.WriteLine($"corpus: {name}.txt: {stats.Documents} documents, {stats.Bytes:N0} bytes");
        }

        var longDir = Path.Combine(options.OutDir, TestLongDir);
        // Stale files from an earlier build would otherwise linger beside the new ones.
        if (Directory.Exists(longDir)) Directory.Delete(longDir, recursive: true);
        Directory.CreateDirectory(longDir);
        var longDocs = new List<LongDocInfo>();
        for (var i = 0; i < docs.Count; i++)
        {
            if (!assigned[i].LongTest) continue;
            var file = CorpusWriter.LongDocFileName(docs[i]);
            var sha = CorpusWriter.WriteDocument(Path.Combine(longDir, file), docs[i].Text);
            longDocs.Add(new LongDocInfo($"{TestLongDir}/{file}", docs[i].Source, docs[i].Id, docs[i].Text.Length,
                Encoding.UTF8.GetByteCount(docs[i].Text) + 1, sha));
        }
        var listing = string.Concat(longDocs.Select(d => $"{d.Sha256}  {d.File}\n"));
        var testLong = new LongTestInfo(TestLongDir, longDocs, CorpusWriter.Sha256Hex(Encoding.UTF8.GetBytes(listing)));
        log.WriteLine($"corpus: {TestLongDir}/: {longDocs.Count} long documents (≥ {options.Split.LongDocChars:N0} chars)");

        var manifest = new CorpusManifest(Format, infos, splits, testLong, options.Split,
            sources.Select(s => s.Name).ToList(), options.MaxDocsPerSource);
        File.WriteAllText(Path.Combine(options.OutDir, CorpusManifest.FileName), manifest.ToJson(),
            new UTF8Encoding(false));
        return manifest;
    }

    private static PackageInfo Describe(string package)
    {
        var copyright = LicenceSummary.CopyrightPath(package);
        var exists = File.Exists(copyright);
        return new PackageInfo(package, PackageInstaller.Version(package),
            exists ? LicenceSummary.Summarise(File.ReadAllText(copyright)) : "no copyright file",
            copyright, exists ? CorpusWriter.Sha256File(copyright) : "");
    }
}
