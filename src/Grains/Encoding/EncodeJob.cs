using System.Globalization;
using MemoryPlatform.Grains.Storage;

namespace MemoryPlatform.Grains.Encoders;

/// <summary>
/// One span to encode, as a stream entry: fields t (tenant), d (document id), i (span index) and e (the
/// <see cref="SpanEntry"/> it must match when it commits). Small on purpose: the tokens stay in Redis.
/// </summary>
public sealed record EncodeJob(string Tenant, string DocId, int Span, SpanEntry Entry)
{
    public (string Name, string Value)[] ToFields() =>
        [("t", Tenant), ("d", DocId), ("i", Span.ToString(CultureInfo.InvariantCulture)), ("e", Entry.Format())];

    /// <summary>Parses an entry's field list; null for a malformed entry (acknowledged and dropped by the consumer).</summary>
    public static EncodeJob? FromFields(IReadOnlyDictionary<string, string> fields)
    {
        try
        {
            if (!fields.TryGetValue("t", out var tenant) || !fields.TryGetValue("d", out var docId) ||
                !fields.TryGetValue("i", out var index) || !fields.TryGetValue("e", out var entry) ||
                !RedisIds.IsValid(tenant) || !RedisIds.IsValid(docId) ||
                !int.TryParse(index, NumberStyles.None, CultureInfo.InvariantCulture, out var span))
                return null;
            return new EncodeJob(tenant, docId, span, SpanEntry.Parse(entry));
        }
        catch (InvalidDataException)
        {
            return null;
        }
    }

    public override string ToString() => $"{Tenant}/{DocId}#{Span}@{Entry.Version}";
}
