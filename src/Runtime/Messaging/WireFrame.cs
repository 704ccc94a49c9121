using System.Text.Json;

namespace MemoryPlatform.Runtime.Messaging;

/// <summary>
/// One line of a call's newline-delimited JSON response: values ("v"; one for unary calls, one per
/// item for streams), then "end", or "err" at any point.
/// </summary>
internal sealed record WireFrame
{
    public required string K { get; init; }
    public JsonElement? V { get; init; }
    public WireError? E { get; init; }

    public const string Value = "v";
    public const string End = "end";
    public const string Error = "err";
}

/// <summary>An exception on the wire: a code the caller maps back to a typed exception, plus the
/// original type name, message and stack.</summary>
internal sealed record WireError(string Code, string Type, string Message, string? Stack);
