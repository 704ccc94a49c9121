namespace MemoryPlatform.ModelCore.Data;

/// <summary>A Debian package (or a few) that ships English text, read into documents.</summary>
public interface ICorpusSource
{
    /// <summary>Short name used in --sources and in the manifest.</summary>
    string Name { get; }

    /// <summary>Debian packages this source reads; the first one is the text package.</summary>
    IReadOnlyList<string> Packages { get; }

    /// <summary>Files read, in the order read (recorded in the manifest).</summary>
    IReadOnlyList<string> Files();

    /// <summary>Raw documents in a deterministic order; cleaning happens in the builder.</summary>
    IEnumerable<CorpusDocument> Read();
}
