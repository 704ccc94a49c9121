namespace MemoryPlatform.Runtime.Core;

/// <summary>
/// Cluster-wide identity of a grain: its type name (see <see cref="GrainTypeName"/>) and key.
/// The string form "type/key" is what placement hashes and what the directory stores.
/// </summary>
public readonly record struct GrainId
{
    public GrainId(string type, string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(type);
        ArgumentNullException.ThrowIfNull(key);
        if (type.Contains('/'))
            throw new ArgumentException($"grain type '{type}' must not contain '/'", nameof(type));
        Type = type;
        Key = key;
    }

    public string Type { get; }
    public string Key { get; }

    public static GrainId Create<TGrainInterface>(string key) where TGrainInterface : IGrain =>
        new(GrainTypeName.Of(typeof(TGrainInterface)), key);

    /// <summary>Parses "type/key" (the key may itself contain '/').</summary>
    public static GrainId Parse(string value)
    {
        var slash = value.IndexOf('/');
        if (slash <= 0) throw new FormatException($"'{value}' is not a grain id (type/key)");
        return new GrainId(value[..slash], value[(slash + 1)..]);
    }

    public override string ToString() => Type + "/" + Key;
}
