namespace MemoryPlatform.ModelCore.Generation;

/// <summary>
/// Picks the next token from one row of logits: greedy at temperature 0, otherwise softmax(logits / T)
/// restricted to the top-k tokens and to the smallest set whose probability reaches top-p
/// (nucleus sampling, Holtzman et al. 2020). Runs on the host with its own seeded RNG, so
/// concurrent requests do not share random state. One sampler serves one request: it counts the tokens it picked
/// (MinTokens bans <paramref name="stops"/> until there are enough) and, with NoRepeatNgram, remembers them.
/// </summary>
public sealed class Sampler(GenerationOptions options, int seed, IReadOnlyCollection<int> stops)
{
    private readonly Random random = new(seed);
    private readonly List<int> picked = [];
    private int count;

    public int Next(ReadOnlySpan<float> logits)
    {
        if (count < options.MinTokens) logits = Ban(logits, stops);
        var token = options.NoRepeatNgram > 0 ? Pick(BanRepeats(logits)) : Pick(logits);
        if (options.NoRepeatNgram > 0) picked.Add(token);
        count++;
        return token;
    }

    /// <summary>
    /// The logits with −∞ at every token t such that (last n − 1 picked tokens, t) already occurs in what was picked.
    /// A token that is banned everywhere stays possible: when every token is banned the logits are left as they are.
    /// </summary>
    private ReadOnlySpan<float> BanRepeats(ReadOnlySpan<float> logits)
    {
        var n = options.NoRepeatNgram;
        if (picked.Count < n - 1) return logits;
        var banned = new HashSet<int>();
        var tail = picked.Count - (n - 1);                       // start of the current (n − 1)-token prefix
        for (var start = 0; start + n - 1 < picked.Count; start++)
        {
            var same = true;
            for (var j = 0; j < n - 1 && same; j++) same = picked[start + j] == picked[tail + j];
            if (same) banned.Add(picked[start + n - 1]);
        }
        return Ban(logits, banned);
    }

    /// <summary>The logits with −∞ at <paramref name="banned"/>; left as they are when that would ban every token.</summary>
    private static ReadOnlySpan<float> Ban(ReadOnlySpan<float> logits, IReadOnlyCollection<int> banned)
    {
        if (banned.Count == 0 || banned.Count >= logits.Length) return logits;
        var copy = logits.ToArray();
        foreach (var t in banned) copy[t] = float.NegativeInfinity;
        return copy;
    }

    private int Pick(ReadOnlySpan<float> logits)
    {
        if (options.Temperature == 0) return ArgMax(logits);

        var order = new int[logits.Length];
        for (var i = 0; i < order.Length; i++) order[i] = i;
        var copy = logits.ToArray();
        Array.Sort(copy, order);              // ascending
        Array.Reverse(copy);
        Array.Reverse(order);

        var keep = options.TopK > 0 ? Math.Min(options.TopK, copy.Length) : copy.Length;
        var probs = new double[keep];
        double sum = 0;
        for (var i = 0; i < keep; i++) sum += probs[i] = Math.Exp((copy[i] - copy[0]) / options.Temperature);
        double cumulative = 0;
        for (var i = 0; i < keep; i++)
        {
            cumulative += probs[i] / sum;
            if (cumulative >= options.TopP) { keep = i + 1; break; }
        }

        double total = 0;
        for (var i = 0; i < keep; i++) total += probs[i];
        var u = random.NextDouble() * total;
        for (var i = 0; i < keep; i++)
        {
            u -= probs[i];
            if (u <= 0) return order[i];
        }
        return order[keep - 1];
    }

    private static int ArgMax(ReadOnlySpan<float> row)
    {
        var best = 0;
        for (var i = 1; i < row.Length; i++) if (row[i] > row[best]) best = i;
        return best;
    }
}
