using System.Text.Json;
using System.Text.Json.Serialization;

namespace MemoryPlatform.Gateway.Json;

/// <summary>
/// The API's JSON: snake_case names, enums as lower-case strings. Requests are strict: unknown fields,
/// duplicate fields, missing required fields, nulls where a value is required, numbers as strings,
/// comments and trailing commas are all rejected (400), so a typo never silently changes a request.
/// </summary>
public static class ApiJson
{
    public static readonly JsonSerializerOptions Options = Configure(new JsonSerializerOptions());

    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        options.DictionaryKeyPolicy = JsonNamingPolicy.SnakeCaseLower;
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        options.AllowDuplicateProperties = false;
        options.RespectNullableAnnotations = true;
        options.RespectRequiredConstructorParameters = true;
        options.NumberHandling = JsonNumberHandling.Strict;
        options.ReadCommentHandling = JsonCommentHandling.Disallow;
        options.AllowTrailingCommas = false;
        options.MaxDepth = 16;
        return options;
    }
}
