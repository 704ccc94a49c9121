using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace MemoryPlatform.Gateway.Hosting;

/// <summary>Declares the bearer API key in the OpenAPI document.</summary>
public sealed class BearerSecurityTransformer : IOpenApiDocumentTransformer
{
    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info.Title = "MemoryPlatform API";
        document.Info.Description = "Long documents stored as compressed LLM memory; questions answered over it. " +
                                    "Every /v1 call except /v1/model takes 'Authorization: Bearer <api key>' (POST /v1/tenants: the admin key). " +
                                    "Errors: {\"error\": {\"code\", \"message\"}}.";
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes["bearer"] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "A tenant API key (mp_...), or the admin key for POST /v1/tenants.",
        };
        document.Security ??= [];
        document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("bearer", document)] = [] });
        return Task.CompletedTask;
    }
}
