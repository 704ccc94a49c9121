using System.Globalization;

namespace MemoryPlatform.Grains.Storage;

/// <summary>
/// The Redis key layout (DESIGN.md, "Redis layout"). Every key of one document carries the hash tag
/// <c>{tenant:docId}</c>, so a document's metadata hash and all its slot blobs sit in one Redis
/// Cluster slot and multi-key scripts over one document work:
/// <list type="bullet">
/// <item><c>doc:{tenant:docId}</c>: metadata hash (status, token count, spans, model fingerprint, version)</item>
/// <item><c>mem:{tenant:docId}:span:{i}</c>: the slot blob of span i (see ModelCore's SlotBlob)</item>
/// <item><c>mem:{tenant:docId}:span:{i}:ver</c>: the span version that blob was encoded for (write compare-and-set)</item>
/// <item><c>mem:{tenant:docId}:span:{i}:staged:{version}</c>: a blob being written (renamed onto the span key by the write)</item>
/// <item><c>doc:{tenant:docId}:tokens</c>: the token ids (int32 little-endian), so any silo can re-encode any span</item>
/// <item><c>doc:{tenant:docId}:spans</c>: hash span index → "version:contentHash:start:count", the span's expected encode</item>
/// <item><c>doc:{tenant:docId}:done</c>: set of span indexes whose expected encode is stored</item>
/// <item><c>doc:{tenant:docId}:seals</c>: hash span index → checksum of the blob committed for it, so a read can tell
/// the committed blob from an intact blob of another span or document</item>
/// </list>
/// Tenant keys carry the hash tag <c>{tenant}</c> so a tenant's hash and its document set share a slot:
/// <list type="bullet">
/// <item><c>tenant:{tenant}</c>: tenant hash (hashed API keys, quotas, usage)</item>
/// <item><c>tenant:{tenant}:docs</c>: set of the tenant's document ids</item>
/// <item><c>tenant:{tenant}:content</c>: hash span content hash → "docId:spanIndex:version" of a stored blob with that content (dedupe)</item>
/// </list>
/// Braces above are literal. Ids are validated by <see cref="RedisIds"/> (no braces or colons), so a
/// tenant tag (no colon) can never equal a document tag (one colon) and keys parse unambiguously.
/// </summary>
public static class RedisKeys
{
    /// <summary>The hash tag shared by all keys of one document, braces included: <c>{tenant:docId}</c>.</summary>
    public static string DocTag(string tenant, string docId)
    {
        RedisIds.ValidateTenant(tenant);
        RedisIds.ValidateDocId(docId);
        return "{" + tenant + ":" + docId + "}";
    }

    /// <summary><c>doc:{tenant:docId}</c>, the document's metadata hash.</summary>
    public static string Doc(string tenant, string docId) => "doc:" + DocTag(tenant, docId);

    /// <summary><c>mem:{tenant:docId}:span:{index}</c>, the slot blob of span <paramref name="spanIndex"/> (0-based).</summary>
    public static string Span(string tenant, string docId, int spanIndex) => SpanKeysOf(tenant, docId).Span(spanIndex);

    /// <summary><c>mem:{tenant:docId}:span:{index}:ver</c>, the version the span's blob was encoded for.</summary>
    public static string SpanVersion(string tenant, string docId, int spanIndex) => SpanKeysOf(tenant, docId).Version(spanIndex);

    /// <summary>
    /// <c>mem:{tenant:docId}:span:{index}:staged:{version}</c>, a blob on its way in: renamed onto the span key by the
    /// write script (see MemoryStore.WriteSpansAsync). Under the span prefix, so a document's delete finds it.
    /// </summary>
    public static string SpanStaged(string tenant, string docId, int spanIndex, long version) =>
        SpanKeysOf(tenant, docId).Staged(spanIndex, version);

    /// <summary>The span keys of one document, its hash tag validated once (a store writing many spans builds three keys each).</summary>
    public static DocumentSpanKeys SpanKeysOf(string tenant, string docId) => new(SpanPrefix(tenant, docId));

    /// <summary><c>doc:{tenant:docId}:tokens</c>, the document's token ids (int32 little-endian).</summary>
    public static string DocTokens(string tenant, string docId) => Doc(tenant, docId) + ":tokens";

    /// <summary><c>doc:{tenant:docId}:spans</c>, span index → expected encode ("version:hash:start:count").</summary>
    public static string DocSpans(string tenant, string docId) => Doc(tenant, docId) + ":spans";

    /// <summary><c>doc:{tenant:docId}:done</c>, the set of span indexes whose expected encode is stored.</summary>
    public static string DocDone(string tenant, string docId) => Doc(tenant, docId) + ":done";

    /// <summary><c>doc:{tenant:docId}:seals</c>, span index → checksum (hex) of the blob its commit stored.</summary>
    public static string DocSeals(string tenant, string docId) => Doc(tenant, docId) + ":seals";

    /// <summary>The prefix of all span keys of a document, <c>mem:{tenant:docId}:span:</c> (for SCAN MATCH with a trailing *).</summary>
    public static string SpanPrefix(string tenant, string docId) => "mem:" + DocTag(tenant, docId) + ":span:";

    /// <summary>The hash tag shared by a tenant's keys, braces included: <c>{tenant}</c>.</summary>
    public static string TenantTag(string tenant) => "{" + RedisIds.ValidateTenant(tenant) + "}";

    /// <summary><c>tenant:{tenant}</c>, the tenant hash.</summary>
    public static string Tenant(string tenant) => "tenant:" + TenantTag(tenant);

    /// <summary><c>tenant:{tenant}:docs</c>, the set of the tenant's document ids.</summary>
    public static string TenantDocs(string tenant) => "tenant:" + TenantTag(tenant) + ":docs";

    /// <summary><c>tenant:{tenant}:content</c>, span content hash → "docId:spanIndex:version" of a stored blob (dedupe index).</summary>
    public static string TenantContent(string tenant) => "tenant:" + TenantTag(tenant) + ":content";
}

/// <summary>Span keys of one document from its validated prefix (<see cref="RedisKeys.SpanPrefix"/>): where the formats
/// of <see cref="RedisKeys.Span"/>, <see cref="RedisKeys.SpanVersion"/> and <see cref="RedisKeys.SpanStaged"/> live.</summary>
public readonly struct DocumentSpanKeys(string prefix)
{
    public string Span(int spanIndex)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(spanIndex);
        return prefix + spanIndex.ToString(CultureInfo.InvariantCulture);
    }

    public string Version(int spanIndex) => Span(spanIndex) + ":ver";

    public string Staged(int spanIndex, long version) => Span(spanIndex) + ":staged:" + version.ToString(CultureInfo.InvariantCulture);
}
