namespace MemoryPlatform.ModelCore.Generation;

/// <summary>
/// How to decode. Temperature 0 is greedy. TopK 0 and TopP 1 disable those filters. Stop tokens
/// default to the model's EOS ids; a stop token ends its request and is not emitted.
/// RopeScale is E²-LLM's g (1 = the base window). NoRepeatNgram n &gt; 0 bans any token that would write an n-gram of
/// the request's own output a second time (Hugging Face's no_repeat_ngram_size): the cure for a greedy loop.
/// MinTokens m bans the stop tokens until a request has emitted m tokens (Hugging Face's min_new_tokens): an ICAE
/// reconstruction asks for 1, since a span is never empty and a decoder that ends at once would lose all of it.
/// </summary>
public sealed record GenerationOptions
{
    public int MaxTokens { get; init; } = 64;
    public double Temperature { get; init; }
    public int TopK { get; init; }
    public double TopP { get; init; } = 1.0;
    public IReadOnlyCollection<int>? StopTokens { get; init; }
    public int Seed { get; init; }
    public double RopeScale { get; init; } = 1.0;
    public int NoRepeatNgram { get; init; }
    public int MinTokens { get; init; }

    public void Validate()
    {
        if (MaxTokens < 0) throw new ArgumentOutOfRangeException(nameof(MaxTokens), MaxTokens, "max tokens must be >= 0");
        if (Temperature < 0 || double.IsNaN(Temperature)) throw new ArgumentOutOfRangeException(nameof(Temperature), Temperature, "temperature must be >= 0");
        if (TopK < 0) throw new ArgumentOutOfRangeException(nameof(TopK), TopK, "top-k must be >= 0");
        if (!(TopP > 0 && TopP <= 1)) throw new ArgumentOutOfRangeException(nameof(TopP), TopP, "top-p must be in (0, 1]");
        if (MinTokens < 0 || MinTokens > MaxTokens) throw new ArgumentOutOfRangeException(nameof(MinTokens), MinTokens, $"min tokens must be in 0..max tokens ({MaxTokens})");
        if (NoRepeatNgram < 0) throw new ArgumentOutOfRangeException(nameof(NoRepeatNgram), NoRepeatNgram, "the no-repeat n-gram size must be >= 0");
        if (!(RopeScale >= 1)) throw new ArgumentOutOfRangeException(nameof(RopeScale), RopeScale, "RoPE scale must be >= 1");
    }
}

/// <summary>One generated token of request <see cref="Request"/>, the <see cref="Index"/>-th of that request.</summary>
public readonly record struct GeneratedToken(int Request, int Index, int TokenId);
