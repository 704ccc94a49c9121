using System.Globalization;
using MemoryPlatform.Grains.Storage;
using MemoryPlatform.Grains.Tests.Support;
using MemoryPlatform.ModelCore.Icae;
using MemoryPlatform.ModelCore.Models;
using MemoryPlatform.ModelCore.Tokenizer;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace MemoryPlatform.Gateway.Tests.Fixtures;

/// <summary>
/// The gateway in front of the real platform: a real redis-server, two silos hosting the real DocumentGrain and
/// TenantGrain, each with its own ModelGrain and encode-stream consumer (the grains tests' <see cref="GrainsCluster"/>),
/// serving the tiny real ICAE model (<see cref="TinyIcaeModel"/>: SentencePiece tokenizer, random Llama, LoRA adapter,
/// through IcaeMemoryModel on libtorch), reached over real HTTP. Built once per test collection.
/// </summary>
public sealed class GatewayFixture : GatewayFixtureBase
{
    /// <summary>The grains' per-document token quota: small, so that a document over it (the tiny tokenizer gives about
    /// a token per byte) fits well inside the test gateways' body limit and is refused before any encode.</summary>
    public const int MaxDocumentTokens = 6000;

    public TinyIcaeModel Model { get; private set; } = null!;
    public GrainsCluster Grains { get; private set; } = null!;

    /// <summary>The served model's tokenizer, to state expected token counts exactly.</summary>
    public SentencePieceTokenizer Tokenizer { get; private set; } = null!;

    public IcaeConfig Icae { get; private set; } = null!;
    public LlamaConfig Base { get; private set; } = null!;

    public int SpanLength => Icae.SpanLength;
    public int SlotsPerSpan => Icae.MemoryTokens;

    /// <summary>Bytes of one stored span (fp16 slots plus the blob header).</summary>
    public long BlobBytes => SlotBlob.SizeOf(SlotsPerSpan, Base.HiddenSize, SlotDType.Float16);

    protected override string ClusterId => Grains.Cluster.ClusterId;

    protected override async Task StartClusterAsync()
    {
        Model = await Task.Run(() => new TinyIcaeModel());
        Tokenizer = SentencePieceTokenizer.Load(Path.Combine(Model.ModelDir, "tokenizer.model"));
        Icae = IcaeConfig.Load(Path.Combine(Model.AdapterDir, IcaeConfig.FileName));
        Base = LlamaConfig.Load(Path.Combine(Model.ModelDir, "config.json"));
        Grains = await GrainsCluster.StartAsync(Redis.ConnectionString, NullLoggerFactory.Instance, silos: 2,
            o => o with { Quotas = o.Quotas with { MaxDocumentTokens = MaxDocumentTokens } }, newModel: Model.Load);
    }

    protected override async ValueTask StopClusterAsync()
    {
        if (Grains is not null) await Grains.DisposeAsync();
        Model?.Dispose();
    }

    /// <summary>GET /v1/model describes the model the silos serve, as `memplat up` configures it.</summary>
    protected override IReadOnlyDictionary<string, string?> ClusterSettings => new Dictionary<string, string?>
    {
        ["Gateway:Model:Name"] = "tiny-icae",
        ["Gateway:Model:SpanLength"] = Str(Icae.SpanLength),
        ["Gateway:Model:SlotsPerSpan"] = Str(Icae.MemoryTokens),
        ["Gateway:Model:HiddenSize"] = Str(Base.HiddenSize),
        ["Gateway:Model:Layers"] = Str(Base.NumHiddenLayers),
        ["Gateway:Model:KvHeads"] = Str(Base.NumKeyValueHeads),
        ["Gateway:Model:HeadDim"] = Str(Base.HeadDim),
        ["Gateway:Model:MaxDecoderPositions"] = Str(Icae.MaxDecoderPositions(Base)),
    };

    private static string Str(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Tokens the grains count for <paramref name="text"/> (the served tokenizer, no BOS/EOS).</summary>
    public int TokenCount(string text) => Tokenizer.Encode(text).Length;

    public int SpanCount(int tokens) => (tokens + SpanLength - 1) / SpanLength;

    /// <summary>Sentences of the tiny model's own corpus (its tokenizer was trained on them), numbered from <paramref name="from"/>.</summary>
    public static string Sentences(int count, int from = 0) =>
        string.Join(' ', Enumerable.Range(from, count).Select(TinyIcaeModel.Sentence));

    /// <summary>
    /// The fewest sentences of at least <paramref name="tokens"/> tokens (so at most one sentence more): a document
    /// that takes a while to encode, or that just exceeds a quota.
    /// </summary>
    public string TextOfTokens(int tokens)
    {
        var high = 1;
        while (TokenCount(Sentences(high)) < tokens) high *= 2;
        var low = high / 2 + 1;
        while (low < high)
        {
            var mid = (low + high) / 2;
            if (TokenCount(Sentences(mid)) >= tokens) high = mid;
            else low = mid + 1;
        }
        return Sentences(high);
    }

    /// <summary>
    /// Records that span 0 of a document could not be encoded, through the same store call the encode consumer makes
    /// after its last failed attempt: the real model encodes every span it is given, so an encoder failure cannot be
    /// provoked over HTTP; what the gateway shows for a failed document can.
    /// </summary>
    public async Task FailFirstSpanAsync(string tenant, string docId, string error)
    {
        var store = Grains.Services.GetRequiredService<DocumentStore>();
        var entry = (await store.GetSpansAsync(tenant, docId, 1))[0];
        Assert.True(await store.FailSpanAsync(tenant, docId, 0, entry, error), $"{tenant}/{docId} could not be marked failed");
    }
}

[CollectionDefinition(Name)]
public sealed class GatewayCollection : ICollectionFixture<GatewayFixture>
{
    public const string Name = "gateway";
}
