using MemoryPlatform.Gateway.Errors;

namespace MemoryPlatform.Gateway.Endpoints;

/// <summary>OpenAPI metadata shared by the endpoint groups.</summary>
public static class EndpointMetadata
{
    /// <summary>Declares that the endpoint may answer these statuses with the error shape.</summary>
    public static RouteHandlerBuilder ProducesErrors(this RouteHandlerBuilder builder, params int[] statuses)
    {
        foreach (var status in statuses) builder.Produces<ErrorBody>(status, "application/json");
        return builder;
    }
}
