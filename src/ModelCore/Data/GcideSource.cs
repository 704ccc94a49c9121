namespace MemoryPlatform.ModelCore.Data;

/// <summary>dict-gcide: the Collaborative International Dictionary of English (Webster 1913 + WordNet).</summary>
public sealed class GcideSource : ICorpusSource
{
    public const string IndexPath = "/usr/share/dictd/gcide.index";
    public const string DataPath = "/usr/share/dictd/gcide.dict.dz";

    public string Name => "gcide";
    public IReadOnlyList<string> Packages => ["dict-gcide"];
    public IReadOnlyList<string> Files() => [IndexPath, DataPath];

    public IEnumerable<CorpusDocument> Read()
    {
        var entries = DictdReader.Entries(File.ReadAllText(IndexPath), DictdReader.ReadDictData(DataPath))
            .Select(GcideMarkup.ToPlainText);
        return DocumentGrouper.Group(Name, "gcide-", entries);
    }
}
