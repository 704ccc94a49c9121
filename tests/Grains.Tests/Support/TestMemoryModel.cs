using System.Runtime.CompilerServices;
using MemoryPlatform.Grains.Models;
using MemoryPlatform.ModelCore.Generation;
using MemoryPlatform.ModelCore.Icae;

namespace MemoryPlatform.Grains.Tests.Support;

/// <summary>
/// A deterministic stand-in for the ICAE model, so that grain tests can check exactly what reached the decoder.
/// Tokens are UTF-8 bytes + 1. A span's slots (k = 4 rows × d = 8) hold its token count, its tokens and a filler
/// derived from them, all exact in fp16, so the decoder side can read the tokens back: Reconstruct emits the
/// span's tokens, Answer emits the tokens of all memory in order (up to MaxTokens). Delays make queues and
/// failover windows observable; a span holding <see cref="PoisonChar"/> cannot be encoded.
/// </summary>
public sealed class TestMemoryModel : IMemoryModel
{
    public const char PoisonChar = '~';
    private int _inCall;

    public TestMemoryModel(string variant = "v1") => Fingerprint = ModelFingerprint.Of("test-memory-model", variant);

    public ModelFingerprint Fingerprint { get; }
    public int SpanLength => 16;
    public int SlotsPerSpan => 4;
    public int HiddenSize => 8;
    public int MaxDecoderPositions { get; init; } = 4096;
    /// <summary>The base window L of the E²-LLM rule g = ceil(positions / L).</summary>
    public int BaseWindow { get; init; } = 4096;
    public int RopeScaleFor(int positions) => Math.Max(1, (positions + BaseWindow - 1) / BaseWindow);

    public TimeSpan EncodeDelay { get; set; }
    public TimeSpan TokenDelay { get; set; }

    /// <summary>Sizes of the encode batches seen, in order.</summary>
    public List<int> EncodeBatches { get; } = [];
    public List<int> GenerateBatches { get; } = [];
    public int EncodedSpans { get { lock (EncodeBatches) return EncodeBatches.Sum(); } }

    public int[] Tokenize(string text) => System.Text.Encoding.UTF8.GetBytes(text).Select(b => b + 1).ToArray();

    public string Detokenize(IReadOnlyList<int> ids) =>
        System.Text.Encoding.UTF8.GetString(ids.Where(i => i is >= 1 and <= 256).Select(i => (byte)(i - 1)).ToArray());

    /// <summary>The slots of one span: [count, tokens..., filler...] as k × d row-major.</summary>
    public static float[] Slots(int[] span)
    {
        var values = new float[4 * 8];
        values[0] = span.Length;
        for (var i = 0; i < span.Length; i++) values[1 + i] = span[i];
        var sum = span.Sum();
        for (var j = 1 + span.Length; j < values.Length; j++) values[j] = (sum * 31 + j * 7) % 1000 / 8f;
        return values;
    }

    public static int[] TokensOf(SlotMatrix slots)
    {
        var count = (int)slots.Values[0];
        return Enumerable.Range(1, count).Select(i => (int)MathF.Round(slots.Values[i])).ToArray();
    }

    public IReadOnlyList<float[]> EncodeSpans(IReadOnlyList<int[]> spans, CancellationToken ct)
    {
        using var _ = Enter();
        lock (EncodeBatches) EncodeBatches.Add(spans.Count);
        if (EncodeDelay > TimeSpan.Zero) ct.WaitHandle.WaitOne(EncodeDelay);
        ct.ThrowIfCancellationRequested();
        if (spans.Any(s => s.Contains(PoisonChar + 1)))
            throw new InvalidOperationException("the test model cannot encode a span containing '~'");
        return spans.Select(s => Slots(s)).ToArray();
    }

    public async IAsyncEnumerable<GeneratedToken> GenerateAsync(IReadOnlyList<MemoryPrompt> batch, GenerationOptions options,
        [EnumeratorCancellation] CancellationToken ct)
    {
        using var _ = Enter();
        lock (GenerateBatches) GenerateBatches.Add(batch.Count);
        var outputs = batch.Select(p => p.Memory.SelectMany(TokensOf).Take(options.MaxTokens).ToArray()).ToArray();
        for (var step = 0; step < outputs.Max(o => o.Length); step++)
        {
            if (TokenDelay > TimeSpan.Zero) await Task.Delay(TokenDelay, ct);
            for (var r = 0; r < outputs.Length; r++)
                if (step < outputs[r].Length) yield return new GeneratedToken(r, step, outputs[r][step]);
        }
    }

    /// <summary>Fails the test loudly if the model grain ever calls the model from two threads at once.</summary>
    private Exit Enter()
    {
        if (Interlocked.Exchange(ref _inCall, 1) == 1) throw new InvalidOperationException("model called concurrently");
        return new Exit(this);
    }

    private readonly struct Exit(TestMemoryModel model) : IDisposable
    {
        public void Dispose() => Volatile.Write(ref model._inCall, 0);
    }

    public void Dispose()
    {
    }
}
