using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using MemoryPlatform.Grains.Hosting;
using MemoryPlatform.ModelCore.Generation;
using MemoryPlatform.ModelCore.Icae;
using MemoryPlatform.Runtime.Core;
using Microsoft.Extensions.Logging;

namespace MemoryPlatform.Grains.Models;

/// <summary>
/// A silo's model on one device with a bounded queue and dynamic batching (see <see cref="IModelGrain"/>).
/// Invariants:
/// - device calls (encode, generate) run one at a time, from the batch loop, because <see cref="IMemoryModel"/>
///   is not thread-safe, and all on one <see cref="DeviceThread"/> (libtorch keeps a kernel thread team per caller); tokenizer calls run one at a time among themselves but beside a device call, so a
///   streamed answer can be detokenized while its generation runs (the model's tokenizer must not touch
///   device state);
/// - at most <see cref="BatchingOptions.MaxQueueLength"/> items wait; a request that does not fit is refused
///   whole with <see cref="OverloadedException"/> before anything of it is queued;
/// - a batch runs when it holds B items or its oldest item has waited T, whichever comes first; a
///   generation batch holds only prompts with equal options (one decoding configuration per model call);
/// - every queued item completes: with its result, the batch's error, or cancellation when the grain stops.
/// </summary>
public sealed class ModelGrain : IModelGrain, IAsyncDisposable
{
    private readonly IMemoryModel _model;
    private readonly BatchingOptions _options;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _modelLock = new(1, 1);
    private readonly SemaphoreSlim _tokenizerLock = new(1, 1);
    private readonly SemaphoreSlim _wake = new(0);
    private readonly Lock _lock = new();
    private readonly LinkedList<EncodeItem> _encodes = new();
    private readonly LinkedList<GenerateItem> _generates = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly DeviceThread _device;
    private readonly KeyValuePair<string, object?>[] _encodeTags, _generateTags;
    private readonly Task _loop;

    public ModelGrain(IMemoryModel model, string siloId, string device, BatchingOptions options, ILogger<ModelGrain> logger)
    {
        if (options.MaxEncodeBatch < 1 || options.MaxGenerateBatch < 1 || options.MaxQueueLength < 1)
            throw new ArgumentException("batch sizes and queue length must be at least 1", nameof(options));
        _model = model;
        _options = options;
        _logger = logger;
        Device = device;
        Key = siloId + "/" + device;
        _encodeTags = [new("silo", siloId), new("device", device), new("kind", "encode")];
        _generateTags = [new("silo", siloId), new("device", device), new("kind", "generate")];
        _device = new DeviceThread("model " + Key);
        // The batch loop itself lives on the device thread (its awaits come back to it), so the next batch starts on the
        // thread that just finished one, without a hop through the thread pool between spans.
        _loop = _device.RunAsync(RunAsync);
    }

    public string Key { get; }
    public string Device { get; }
    public ModelFingerprint Fingerprint => _model.Fingerprint;
    public int SpanLength => _model.SpanLength;
    public int SlotsPerSpan => _model.SlotsPerSpan;
    public int HiddenSize => _model.HiddenSize;
    public int MaxDecoderPositions => _model.MaxDecoderPositions;
    public int RopeScaleFor(int positions) => _model.RopeScaleFor(positions);   // pure arithmetic: no queue

    public int QueueLength
    {
        get { lock (_lock) return _encodes.Count + _generates.Count; }
    }

    public async Task<int[]> TokenizeAsync(string text, CancellationToken ct)
    {
        await _tokenizerLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            return _model.Tokenize(text);
        }
        finally
        {
            _tokenizerLock.Release();
        }
    }

    public async Task<string> DetokenizeAsync(IReadOnlyList<int> ids, CancellationToken ct)
    {
        await _tokenizerLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            return _model.Detokenize(ids);
        }
        finally
        {
            _tokenizerLock.Release();
        }
    }

    public async Task<IReadOnlyList<float[]>> EncodeAsync(IReadOnlyList<int[]> spans, CancellationToken ct)
    {
        foreach (var span in spans)
            if (span.Length is 0 || span.Length > _model.SpanLength)
                throw new ArgumentException($"a span has {span.Length} tokens; spans have 1..{_model.SpanLength}");
        var items = spans.Select(s => new EncodeItem(s, ct)).ToArray();
        Admit(items.Length, () => { foreach (var item in items) _encodes.AddLast(item); });
        GrainsMetrics.QueueLength.Add(items.Length, _encodeTags);
        _wake.Release();
        return await Task.WhenAll(items.Select(i => i.Result.Task)).WaitAsync(ct).ConfigureAwait(false);
    }

    public async IAsyncEnumerable<GeneratedToken> GenerateAsync(MemoryPrompt prompt, GenerationOptions options,
        [EnumeratorCancellation] CancellationToken ct)
    {
        options.Validate();
        var item = new GenerateItem(prompt, options, ct);
        Admit(1, () => _generates.AddLast(item));
        GrainsMetrics.QueueLength.Add(1, _generateTags);
        _wake.Release();
        await foreach (var token in item.Tokens.Reader.ReadAllAsync(ct).ConfigureAwait(false)) yield return token;
    }

    private void Admit(int count, Action enqueue)
    {
        lock (_lock)
        {
            if (_stopping.IsCancellationRequested) throw new ObjectDisposedException(nameof(ModelGrain));
            var waiting = _encodes.Count + _generates.Count;
            if (waiting + count > _options.MaxQueueLength)
            {
                GrainsMetrics.Overloaded.Add(1, _encodeTags[0], _encodeTags[1]);
                throw new OverloadedException(
                    $"model {Key} is busy: {waiting} items queued, {count} more do not fit in {_options.MaxQueueLength}");
            }
            enqueue();
        }
    }

    private async Task RunAsync()
    {
        var ct = _stopping.Token;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                if (!await WaitForBatchAsync(ct)) continue;
                var (encodes, generates) = TakeBatch();
                if (encodes.Count > 0) await RunEncodeAsync(encodes, ct);
                if (generates.Count > 0) await RunGenerateAsync(generates, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            _logger.LogCritical(ex, "Model grain {Key} batch loop failed", Key);
        }
        finally
        {
            FailAll();
        }
    }

    /// <summary>True when the oldest item's batch is full or has waited long enough.</summary>
    private async Task<bool> WaitForBatchAsync(CancellationToken ct)
    {
        TimeSpan wait;
        lock (_lock)
        {
            var head = OldestKind();
            if (head is null)
            {
                wait = Timeout.InfiniteTimeSpan;
            }
            else
            {
                var (count, limit, age) = head == Kind.Encode
                    ? (_encodes.Count, _options.MaxEncodeBatch, _encodes.First!.Value.Clock.Elapsed)
                    : (_generates.Count, _options.MaxGenerateBatch, _generates.First!.Value.Clock.Elapsed);
                if (count >= limit || age >= _options.MaxBatchDelay) return true;
                wait = _options.MaxBatchDelay - age;
            }
        }
        await _wake.WaitAsync(wait, ct);
        return false;
    }

    private enum Kind { Encode, Generate }

    private Kind? OldestKind()
    {
        if (_encodes.Count == 0 && _generates.Count == 0) return null;
        if (_generates.Count == 0) return Kind.Encode;
        if (_encodes.Count == 0) return Kind.Generate;
        return _encodes.First!.Value.Clock.Elapsed >= _generates.First!.Value.Clock.Elapsed ? Kind.Encode : Kind.Generate;
    }

    private (List<EncodeItem> Encodes, List<GenerateItem> Generates) TakeBatch()
    {
        List<EncodeItem> encodes = [];
        List<GenerateItem> generates = [];
        lock (_lock)
        {
            if (OldestKind() == Kind.Encode)
            {
                while (_encodes.First is { } node && encodes.Count < _options.MaxEncodeBatch)
                {
                    _encodes.RemoveFirst();
                    encodes.Add(node.Value);
                }
            }
            else if (_generates.First is { } first)
            {
                var options = first.Value.Options;
                for (var node = _generates.First; node is not null && generates.Count < _options.MaxGenerateBatch;)
                {
                    var next = node.Next;
                    if (node.Value.Options == options)
                    {
                        _generates.Remove(node);
                        generates.Add(node.Value);
                    }
                    node = next;
                }
            }
        }
        if (encodes.Count > 0) GrainsMetrics.QueueLength.Add(-encodes.Count, _encodeTags);
        if (generates.Count > 0) GrainsMetrics.QueueLength.Add(-generates.Count, _generateTags);
        // Callers that gave up while waiting are dropped here, before the model spends time on them.
        encodes.RemoveAll(i => i.Cancelled());
        generates.RemoveAll(i => i.Cancelled());
        return (encodes, generates);
    }

    private async Task RunEncodeAsync(List<EncodeItem> batch, CancellationToken ct)
    {
        if (batch.Count == 0) return;
        var clock = Stopwatch.StartNew();
        await _modelLock.WaitAsync(ct);
        IReadOnlyList<float[]> slots = [];
        Exception? error = null;
        try
        {
            slots = _model.EncodeSpans(batch.Select(i => i.Tokens).ToArray(), ct);                     // on the device thread
            if (slots.Count != batch.Count)
                throw new InvalidOperationException($"model returned {slots.Count} slot arrays for {batch.Count} spans");
        }
        catch (Exception ex)
        {
            _logger.LogWarning(ex, "Encode batch of {Count} spans failed on {Key}", batch.Count, Key);
            error = ex;
        }
        finally
        {
            _modelLock.Release();
        }
        // Recorded before the callers hear back: whoever reads the metrics after a result finds its batch counted.
        Record(_encodeTags, batch.Count, batch.Sum(i => i.Tokens.Length), clock.Elapsed, batch.Select(i => i.Clock.Elapsed));
        for (var i = 0; i < batch.Count; i++)
        {
            if (error is null) batch[i].Result.TrySetResult(slots[i]);
            else batch[i].Result.TrySetException(error);
        }
    }

    private async Task RunGenerateAsync(List<GenerateItem> batch, CancellationToken ct)
    {
        if (batch.Count == 0) return;
        var clock = Stopwatch.StartNew();
        var tokens = 0;
        Exception? error = null;
        await _modelLock.WaitAsync(ct);
        try
        {
            // One caller cancelling does not cancel the others; the batch stops early only when all have gone.
            using var allGone = CancellationTokenSource.CreateLinkedTokenSource(ct);
            await foreach (var token in _model.GenerateAsync(batch.Select(i => i.Prompt).ToArray(), batch[0].Options, allGone.Token))
            {
                tokens++;
                batch[token.Request].Tokens.Writer.TryWrite(token with { Request = 0 });
                if (batch.All(i => i.Cancelled())) await allGone.CancelAsync();
            }
        }
        catch (Exception ex)
        {
            if (!batch.All(i => i.Cancelled())) _logger.LogWarning(ex, "Generation batch of {Count} failed on {Key}", batch.Count, Key);
            error = ex;
        }
        finally
        {
            _modelLock.Release();
        }
        Record(_generateTags, batch.Count, tokens, clock.Elapsed, batch.Select(i => i.Clock.Elapsed));   // before the streams end, as for encodes
        foreach (var item in batch) item.Tokens.Writer.TryComplete(error);
    }

    private static void Record(KeyValuePair<string, object?>[] tags, int batchSize, int tokens, TimeSpan run,
        IEnumerable<TimeSpan> latencies)
    {
        GrainsMetrics.BatchSize.Record(batchSize, tags);
        GrainsMetrics.Tokens.Add(tokens, tags);
        if (run > TimeSpan.Zero) GrainsMetrics.TokensPerSecond.Record(tokens / run.TotalSeconds, tags);
        foreach (var latency in latencies) GrainsMetrics.Latency.Record(latency.TotalSeconds, tags);
    }

    private void FailAll()
    {
        List<EncodeItem> encodes;
        List<GenerateItem> generates;
        lock (_lock)
        {
            encodes = [.. _encodes];
            generates = [.. _generates];
            _encodes.Clear();
            _generates.Clear();
        }
        GrainsMetrics.QueueLength.Add(-encodes.Count, _encodeTags);
        GrainsMetrics.QueueLength.Add(-generates.Count, _generateTags);
        var stopped = new OperationCanceledException($"model grain {Key} stopped");
        foreach (var item in encodes) item.Result.TrySetException(stopped);
        foreach (var item in generates) item.Tokens.Writer.TryComplete(stopped);
    }

    public async ValueTask DisposeAsync()
    {
        lock (_lock) _stopping.Cancel();
        await _loop.ConfigureAwait(false);
        _device.Dispose();
        _stopping.Dispose();
    }

    private sealed class EncodeItem(int[] tokens, CancellationToken ct)
    {
        public int[] Tokens { get; } = tokens;
        public Stopwatch Clock { get; } = Stopwatch.StartNew();
        public TaskCompletionSource<float[]> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Cancelled()
        {
            if (!ct.IsCancellationRequested) return false;
            Result.TrySetCanceled(ct);
            return true;
        }
    }

    private sealed class GenerateItem(MemoryPrompt prompt, GenerationOptions options, CancellationToken ct)
    {
        public MemoryPrompt Prompt { get; } = prompt;
        public GenerationOptions Options { get; } = options;
        public Stopwatch Clock { get; } = Stopwatch.StartNew();
        public Channel<GeneratedToken> Tokens { get; } = Channel.CreateUnbounded<GeneratedToken>(new UnboundedChannelOptions { SingleWriter = true });
        public bool Cancelled() => ct.IsCancellationRequested;
    }
}
