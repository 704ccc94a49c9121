using System.Text.Json;
using System.Text.Json.Nodes;

namespace MemoryPlatform.ModelCore.Data;

/// <summary>What a build read and wrote; serialised as manifest.json (no timestamps, so builds compare byte for byte).</summary>
public sealed record CorpusManifest(
    string Format,
    IReadOnlyList<SourceInfo> Sources,
    IReadOnlyDictionary<string, SplitInfo> Splits,
    LongTestInfo TestLong,
    SplitSettings Settings,
    IReadOnlyList<string> SelectedSources,
    int? MaxDocsPerSource)
{
    public const string FileName = "manifest.json";

    public string ToJson()
    {
        var root = new JsonObject
        {
            ["format"] = Format,
            ["sources"] = new JsonArray(Sources.Select(s => (JsonNode)s.ToJson()).ToArray()),
            ["splits"] = new JsonObject(Splits.Select(kv =>
                KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value.ToJson()))),
            ["test_long"] = TestLong.ToJson(),
            ["settings"] = new JsonObject
            {
                ["sources"] = new JsonArray(SelectedSources.Select(s => (JsonNode)s).ToArray()),
                ["max_docs_per_source"] = MaxDocsPerSource,
                ["split_hash"] = "SHA-256 of UTF-8 \"source\\nid\", first 8 bytes big-endian, mod 1000",
                ["train_per_mille"] = Settings.TrainPerMille,
                ["validation_per_mille"] = Settings.ValidationPerMille,
                ["test_per_mille"] = 1000 - Settings.TrainPerMille - Settings.ValidationPerMille,
                ["base_window_tokens"] = Settings.BaseWindowTokens,
                ["long_context_factor"] = Settings.LongContextFactor,
                ["chars_per_token"] = Settings.CharsPerToken,
                ["long_doc_min_chars"] = Settings.LongDocChars,
                ["long_test_share"] = Settings.LongTestShare,
                ["min_long_test"] = Settings.MinLongTest,
                ["doc_separator"] = TextCleaner.DocSeparator,
                ["english_filter"] = $"min {EnglishFilter.MinChars} chars, letters >= {EnglishFilter.MinLetterShare} of non-space, Latin >= {EnglishFilter.MinLatinShare} of letters, stopwords >= {EnglishFilter.MinStopwordShare} of words",
                ["grouped_entry_target_chars"] = DocumentGrouper.DefaultTargetChars,
            },
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }
}

public sealed record PackageInfo(string Package, string Version, string Licence, string CopyrightFile, string CopyrightSha256)
{
    public JsonObject ToJson() => new()
    {
        ["package"] = Package, ["version"] = Version, ["licence"] = Licence,
        ["copyright_file"] = CopyrightFile, ["copyright_sha256"] = CopyrightSha256,
    };
}

public sealed record SourceInfo(
    string Name, IReadOnlyList<PackageInfo> Packages, IReadOnlyList<string> Files,
    int DocumentsRead, int DocumentsKept, int DocumentsDropped, long CharsKept)
{
    public JsonObject ToJson() => new()
    {
        ["name"] = Name,
        ["packages"] = new JsonArray(Packages.Select(p => (JsonNode)p.ToJson()).ToArray()),
        ["files"] = new JsonArray(Files.Select(f => (JsonNode)f).ToArray()),
        ["documents_read"] = DocumentsRead,
        ["documents_kept"] = DocumentsKept,
        ["documents_dropped"] = DocumentsDropped,
        ["chars_kept"] = CharsKept,
    };
}

/// <summary>Per source: documents and UTF-8 bytes (document text only, no separators).</summary>
public sealed record SourceCount(int Documents, long Bytes);

public sealed record SplitInfo(string File, int Documents, long Bytes, string Sha256,
    IReadOnlyDictionary<string, SourceCount> BySource)
{
    public JsonObject ToJson() => new()
    {
        ["file"] = File, ["documents"] = Documents, ["bytes"] = Bytes, ["sha256"] = Sha256,
        ["by_source"] = new JsonObject(BySource.Select(kv => KeyValuePair.Create(kv.Key,
            (JsonNode?)new JsonObject { ["documents"] = kv.Value.Documents, ["bytes"] = kv.Value.Bytes }))),
    };
}

public sealed record LongDocInfo(string File, string Source, string Id, int Chars, long Bytes, string Sha256);

/// <summary>test-long/: the long test documents, also present in test.txt. Sha256 is over "sha256  name" lines.</summary>
public sealed record LongTestInfo(string Dir, IReadOnlyList<LongDocInfo> Documents, string Sha256)
{
    public JsonObject ToJson() => new()
    {
        ["dir"] = Dir,
        ["documents"] = Documents.Count,
        ["bytes"] = Documents.Sum(d => d.Bytes),
        ["sha256"] = Sha256,
        ["files"] = new JsonArray(Documents.Select(d => (JsonNode)new JsonObject
        {
            ["file"] = d.File, ["source"] = d.Source, ["id"] = d.Id, ["chars"] = d.Chars,
            ["bytes"] = d.Bytes, ["sha256"] = d.Sha256,
        }).ToArray()),
    };
}
