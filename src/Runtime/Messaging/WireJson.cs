using System.Text.Json;
using System.Text.Json.Serialization;

namespace MemoryPlatform.Runtime.Messaging;

/// <summary>The one JSON dialect of the runtime: grain arguments and results, wire frames, Redis rows.</summary>
internal static class WireJson
{
    public static readonly JsonSerializerOptions Options = Create();

    /// <summary>The result of a method returning Task / ValueTask.</summary>
    public static readonly JsonElement Null = JsonDocument.Parse("null").RootElement.Clone();

    public static JsonElement ToElement(object? value, Type? type) =>
        type is null ? Null : JsonSerializer.SerializeToElement(value, type, Options);

    public static object? FromElement(JsonElement element, Type type) => element.Deserialize(type, Options);

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        options.Converters.Add(new JsonStringEnumConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
