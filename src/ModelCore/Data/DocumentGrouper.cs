namespace MemoryPlatform.ModelCore.Data;

/// <summary>
/// Groups small consecutive entries (dictionary entries, glosses) into documents of about
/// <c>targetChars</c>, so that they are neither one-line documents nor one huge one.
/// </summary>
public static class DocumentGrouper
{
    /// <summary>Default size: well under the long-document threshold, so groups never count as long.</summary>
    public const int DefaultTargetChars = 16_000;

    public static IEnumerable<CorpusDocument> Group(
        string source, string idPrefix, IEnumerable<string> entries, int targetChars = DefaultTargetChars)
    {
        var current = new List<string>();
        int size = 0, index = 0;
        foreach (var entry in entries)
        {
            if (entry.Length == 0) continue;
            current.Add(entry);
            size += entry.Length + 2;
            if (size >= targetChars)
            {
                yield return new CorpusDocument(source, $"{idPrefix}{index++:D5}", string.Join("\n\n", current));
                current.Clear();
                size = 0;
            }
        }
        if (current.Count > 0)
            yield return new CorpusDocument(source, $"{idPrefix}{index:D5}", string.Join("\n\n", current));
    }
}
