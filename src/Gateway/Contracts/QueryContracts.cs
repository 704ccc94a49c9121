using MemoryPlatform.Grains.Contracts;

namespace MemoryPlatform.Gateway.Contracts;

/// <summary>
/// POST /v1/query body: a prompt over the memory of one or more of the tenant's documents, in order. NoRepeatNgram n &gt; 0
/// never lets the answer write one of its n-grams twice.
/// </summary>
public sealed record QueryHttpRequest(
    IReadOnlyList<string> Documents, string Prompt, int MaxTokens = 64, double Temperature = 0, bool Stream = false, ulong Seed = 0,
    int NoRepeatNgram = 0);

/// <summary>Counts of one query (also the data of the SSE <c>usage</c> event).</summary>
public sealed record UsageResponse(int MemorySlots, int PromptTokens, int CompletionTokens, int Scale, double Seconds, string FinishReason)
{
    public static UsageResponse From(QueryUsage u) =>
        new(u.MemorySlots, u.PromptTokens, u.CompletionTokens, u.Scale, u.Seconds, u.FinishReason);
}

/// <summary>POST /v1/query answer when not streaming.</summary>
public sealed record QueryResponse(string Answer, UsageResponse Usage);

/// <summary>Data of the SSE <c>token</c> event.</summary>
public sealed record TokenEvent(string Text, int TokenId);
