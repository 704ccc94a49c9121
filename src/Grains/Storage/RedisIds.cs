namespace MemoryPlatform.Grains.Storage;

/// <summary>
/// Validation of tenant and document ids at the edge. Ids are 1–128 characters of
/// <c>[A-Za-z0-9._-]</c>: no braces (they would break Redis Cluster hash tags), no colons (the key
/// separator, and the tenant/doc separator inside a document's hash tag), no whitespace, control
/// characters or non-ASCII.
/// </summary>
public static class RedisIds
{
    /// <summary>Longest accepted id.</summary>
    public const int MaxLength = 128;

    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="tenant"/> is a valid tenant id.</summary>
    public static string ValidateTenant(string? tenant, string? paramName = null) => Validate(tenant, "Tenant id", paramName ?? "tenant");

    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="docId"/> is a valid document id.</summary>
    public static string ValidateDocId(string? docId, string? paramName = null) => Validate(docId, "Document id", paramName ?? "docId");

    /// <summary>True when <paramref name="id"/> is a valid tenant or document id (the rules are the same).</summary>
    public static bool IsValid(string? id) => Problem(id) is null;

    private static string Validate(string? id, string kind, string paramName)
    {
        var problem = Problem(id);
        if (problem is not null)
            throw new ArgumentException($"{kind} {problem}; ids are 1-{MaxLength} characters of A-Z a-z 0-9 . _ -", paramName);
        return id!;
    }

    private static string? Problem(string? id)
    {
        if (id is null) return "is missing";
        if (id.Length == 0) return "is empty";
        if (id.Length > MaxLength) return $"is {id.Length} characters long, more than {MaxLength}";
        for (int i = 0; i < id.Length; i++)
        {
            char c = id[i];
            if (!IsAllowed(c))
                return $"has a forbidden character {Describe(c)} at position {i}";
        }
        return null;
    }

    private static bool IsAllowed(char c) =>
        c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '.' or '_' or '-';

    private static string Describe(char c) =>
        c is > ' ' and < (char)0x7F ? $"'{c}' (U+{(int)c:X4})" : $"U+{(int)c:X4}";
}
