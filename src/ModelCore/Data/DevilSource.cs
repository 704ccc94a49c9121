namespace MemoryPlatform.ModelCore.Data;

/// <summary>dict-devil: Ambrose Bierce's The Devil's Dictionary (public domain).</summary>
public sealed class DevilSource : ICorpusSource
{
    public const string IndexPath = "/usr/share/dictd/devil.index";
    public const string DataPath = "/usr/share/dictd/devil.dict.dz";

    public string Name => "devil";
    public IReadOnlyList<string> Packages => ["dict-devil"];
    public IReadOnlyList<string> Files() => [IndexPath, DataPath];

    public IEnumerable<CorpusDocument> Read()
    {
        // Entries are plain text apart from {cross-references}; GCIDE's cleaner handles those.
        var entries = DictdReader.Entries(File.ReadAllText(IndexPath), DictdReader.ReadDictData(DataPath))
            .Select(GcideMarkup.ToPlainText);
        return DocumentGrouper.Group(Name, "devil-", entries);
    }
}
