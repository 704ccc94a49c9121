using System.Text.Json;

namespace MemoryPlatform.ModelCore.SafeTensors;

/// <summary>
/// One name → tensor lookup over a HF model directory: either a single <c>model.safetensors</c> or the shards
/// listed by <c>model.safetensors.index.json</c> (<c>{"metadata": {...}, "weight_map": {tensor: shard file}}</c>).
/// Every name in the weight map is checked against its shard on open, so a lookup never finds a dangling entry.
/// Owns and disposes every shard.
/// </summary>
public sealed unsafe class ShardedCheckpoint : IDisposable
{
    public const string SingleFileName = "model.safetensors";
    public const string IndexFileName = "model.safetensors.index.json";

    private readonly List<SafeTensorsFile> _shards;
    private readonly Dictionary<string, SafeTensorsFile> _owner;

    public string Directory { get; }
    public IReadOnlyList<SafeTensorsFile> Shards => _shards;
    public IReadOnlyDictionary<string, SafeTensorInfo> Tensors { get; }

    private ShardedCheckpoint(string directory, List<SafeTensorsFile> shards, Dictionary<string, SafeTensorsFile> owner)
    {
        Directory = directory;
        _shards = shards;
        _owner = owner;
        Tensors = owner.ToDictionary(kv => kv.Key, kv => kv.Value.Tensors[kv.Key], StringComparer.Ordinal);
    }

    /// <summary>Opens the index if there is one, else the single file.</summary>
    public static ShardedCheckpoint Open(string modelDirectory)
    {
        var directory = Path.GetFullPath(modelDirectory);
        var indexPath = Path.Combine(directory, IndexFileName);
        if (File.Exists(indexPath))
            return OpenIndexed(directory, indexPath);
        var singlePath = Path.Combine(directory, SingleFileName);
        if (!File.Exists(singlePath))
            throw new FileNotFoundException($"{directory}: neither {SingleFileName} nor {IndexFileName} exists", singlePath);

        var file = SafeTensorsFile.Open(singlePath);
        return new ShardedCheckpoint(directory, [file], file.Tensors.Keys.ToDictionary(name => name, _ => file, StringComparer.Ordinal));
    }

    private static ShardedCheckpoint OpenIndexed(string directory, string indexPath)
    {
        var weightMap = ReadWeightMap(indexPath);
        var shards = new List<SafeTensorsFile>();
        try
        {
            var byShardName = new Dictionary<string, SafeTensorsFile>(StringComparer.Ordinal);
            var owner = new Dictionary<string, SafeTensorsFile>(StringComparer.Ordinal);
            foreach (var (tensor, shardName) in weightMap)
            {
                if (!byShardName.TryGetValue(shardName, out var shard))
                {
                    var shardPath = Path.Combine(directory, shardName);
                    if (!File.Exists(shardPath))
                        throw new FileNotFoundException($"{indexPath}: shard '{shardName}' (holding '{tensor}') does not exist", shardPath);
                    shard = SafeTensorsFile.Open(shardPath);
                    shards.Add(shard);
                    byShardName.Add(shardName, shard);
                }
                if (!shard.Tensors.ContainsKey(tensor))
                    throw new InvalidDataException($"{indexPath}: tensor '{tensor}' is mapped to shard '{shardName}', which does not contain it");
                owner.Add(tensor, shard);
            }
            return new ShardedCheckpoint(directory, shards, owner);
        }
        catch
        {
            foreach (var shard in shards)
                shard.Dispose();
            throw;
        }
    }

    private static Dictionary<string, string> ReadWeightMap(string indexPath)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(indexPath));
            if (doc.RootElement.ValueKind != JsonValueKind.Object
                || !doc.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{indexPath}: expected an object with a 'weight_map' object");
            var weightMap = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var entry in map.EnumerateObject())
            {
                if (entry.Value.ValueKind != JsonValueKind.String)
                    throw new InvalidDataException($"{indexPath}: weight_map['{entry.Name}'] must be a file name string");
                var shardName = entry.Value.GetString()!;
                // Shards live beside the index; a path that leaves the directory is a corrupt or hostile index.
                if (shardName.Length == 0 || Path.IsPathRooted(shardName) || shardName.Split('/', '\\').Contains(".."))
                    throw new InvalidDataException($"{indexPath}: weight_map['{entry.Name}'] = '{shardName}' is not a file inside the model directory");
                if (!weightMap.TryAdd(entry.Name, shardName))
                    throw new InvalidDataException($"{indexPath}: tensor '{entry.Name}' appears twice in weight_map");
            }
            return weightMap;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{indexPath}: not valid JSON: {e.Message}", e);
        }
    }

    public bool Contains(string name) => _owner.ContainsKey(name);

    public SafeTensorInfo this[string name] => Tensors.TryGetValue(name, out var info)
        ? info
        : throw new KeyNotFoundException($"{Directory}: checkpoint has no tensor named '{name}'");

    /// <summary>The shard that holds <paramref name="name"/>.</summary>
    public SafeTensorsFile FileOf(string name) => _owner.TryGetValue(name, out var file)
        ? file
        : throw new KeyNotFoundException($"{Directory}: checkpoint has no tensor named '{name}'");

    public ReadOnlySpan<byte> GetSpan(string name) => FileOf(name).GetSpan(this[name]);

    public byte* GetPointer(string name) => FileOf(name).GetPointer(this[name]);

    public void Dispose()
    {
        foreach (var shard in _shards)
            shard.Dispose();
    }
}
