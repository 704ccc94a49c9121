using System.Text.Json.Serialization;

namespace MemoryPlatform.ModelCore.Icae;

/// <summary>
/// One ICAE fine-tuning/test sample in the PwC layout (<c>input</c>, <c>prompt</c>, <c>answer</c>) plus where the
/// answer sits: the task, the number of spans (input lines, ≤ 512 tokens each), the span holding the evidence,
/// and the evidence's character offset in the input. The answer is a substring of the evidence.
/// </summary>
public sealed record IcaeTaskSample(
    [property: JsonPropertyName("input")] string Input,
    [property: JsonPropertyName("prompt")] string Prompt,
    [property: JsonPropertyName("answer")] string Answer,
    [property: JsonPropertyName("task")] string Task,
    [property: JsonPropertyName("spans")] int Spans,
    [property: JsonPropertyName("span")] int Span,
    [property: JsonPropertyName("offset")] int Offset,
    [property: JsonPropertyName("evidence")] string Evidence);
