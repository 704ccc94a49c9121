namespace MemoryPlatform.ModelCore.Data;

/// <summary>One document of the corpus: its source, an id stable across builds, and its text.</summary>
public sealed record CorpusDocument(string Source, string Id, string Text);
