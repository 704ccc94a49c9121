using System.Globalization;

namespace MemoryPlatform.Grains.Storage;

/// <summary>
/// What one span of a document is expected to hold: the version it was (re)queued at, the content hash
/// of its tokens (<see cref="StableHash.SpanContent"/>) and the token range [Start, Start + Count).
/// Stored as "version:hash:start:count" in <c>doc:{t:d}:spans</c>; an encode commits only if the entry it
/// carries is still the current one, so the string compares whole.
/// </summary>
public sealed record SpanEntry(long Version, string Hash, int Start, int Count)
{
    public string Format() => string.Create(CultureInfo.InvariantCulture, $"{Version}:{Hash}:{Start}:{Count}");

    public static SpanEntry Parse(string value)
    {
        var parts = value.Split(':');
        if (parts.Length != 4 ||
            !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var version) ||
            !int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var start) ||
            !int.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var count) ||
            parts[1].Length != 64)
            throw new InvalidDataException($"malformed span entry '{value}'");
        return new SpanEntry(version, parts[1], start, count);
    }

    public override string ToString() => Format();
}
