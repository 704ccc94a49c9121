using System.Text.Json;

namespace MemoryPlatform.ModelCore.Models;

/// <summary>
/// Typed reads of one JSON object for HF config files, every error an <see cref="InvalidDataException"/>
/// naming the source and the field ("config.json: field 'hidden_size' ..."). A field present as JSON null
/// counts as absent, as in HF's from_dict.
/// </summary>
internal readonly struct ConfigJson(JsonElement obj, string source, string prefix = "")
{
    public string Source => source;

    public InvalidDataException Error(string field, string problem) =>
        new($"{source}: field '{prefix}{field}' {problem}");

    public bool Has(string field) =>
        obj.TryGetProperty(field, out var value) && value.ValueKind != JsonValueKind.Null;

    private JsonElement? Get(string field) =>
        obj.TryGetProperty(field, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    public int RequiredInt(string field) => OptionalInt(field) ?? throw Error(field, "is required");

    public int? OptionalInt(string field)
    {
        if (Get(field) is not { } value)
            return null;
        // 4096 and 4096.0 are both seen in the wild.
        if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out double d)
            && d == Math.Floor(d) && d >= int.MinValue && d <= int.MaxValue)
            return (int)d;
        throw Error(field, $"must be an integer, found {value.GetRawText()}");
    }

    public double? OptionalDouble(string field)
    {
        if (Get(field) is not { } value)
            return null;
        if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out double d) && double.IsFinite(d))
            return d;
        throw Error(field, $"must be a number, found {value.GetRawText()}");
    }

    public string? OptionalString(string field)
    {
        if (Get(field) is not { } value)
            return null;
        return value.ValueKind == JsonValueKind.String ? value.GetString() : throw Error(field, $"must be a string, found {value.GetRawText()}");
    }

    public bool? OptionalBool(string field)
    {
        if (Get(field) is not { } value)
            return null;
        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Error(field, $"must be true or false, found {value.GetRawText()}"),
        };
    }

    /// <summary>An int or an array of ints (eos_token_id is either in HF configs).</summary>
    public int[] IntOrIntArray(string field)
    {
        if (Get(field) is not { } value)
            return [];
        if (value.ValueKind == JsonValueKind.Array)
        {
            var items = new List<int>();
            foreach (var item in value.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt32(out int id))
                    throw Error(field, $"must hold integers, found {item.GetRawText()}");
                items.Add(id);
            }
            return [.. items];
        }
        return [OptionalInt(field)!.Value];
    }

    public string[] OptionalStringArray(string field)
    {
        if (Get(field) is not { } value)
            return [];
        if (value.ValueKind != JsonValueKind.Array || value.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String))
            throw Error(field, "must be an array of strings");
        return value.EnumerateArray().Select(e => e.GetString()!).ToArray();
    }

    public ConfigJson? OptionalObject(string field)
    {
        if (Get(field) is not { } value)
            return null;
        if (value.ValueKind != JsonValueKind.Object)
            throw Error(field, $"must be an object or null, found {value.GetRawText()}");
        return new ConfigJson(value, source, $"{prefix}{field}.");
    }
}
