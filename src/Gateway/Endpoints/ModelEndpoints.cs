using MemoryPlatform.Gateway.Contracts;
using MemoryPlatform.Gateway.Options;
using Microsoft.Extensions.Options;

namespace MemoryPlatform.Gateway.Endpoints;

/// <summary>GET /v1/model: the served model's shape (configuration <c>Gateway:Model</c>); public, carries no tenant data.</summary>
public static class ModelEndpoints
{
    public static RouteGroupBuilder MapModelEndpoints(this RouteGroupBuilder v1)
    {
        v1.MapGet("/model", Get).WithName("GetModel").WithTags("model")
            .Produces<ModelResponse>()
            .WithSummary("The model's shape: slots per span, hidden size, bytes per slot span and per KV-cache token.");
        return v1;
    }

    private static ModelResponse Get(IOptions<GatewayOptions> options)
    {
        var m = options.Value.Model;
        return new ModelResponse(m.Name, m.SpanLength, m.SlotsPerSpan, m.HiddenSize, m.Layers, m.KvHeads, m.HeadDim,
            m.SlotBytesPerValue,
            SlotBytesPerSpan: (long)m.SlotsPerSpan * m.HiddenSize * m.SlotBytesPerValue,
            KvBytesPerToken: 2L * m.Layers * m.KvHeads * m.HeadDim * m.KvBytesPerValue, // K and V, every layer
            m.MaxDecoderPositions);
    }
}
