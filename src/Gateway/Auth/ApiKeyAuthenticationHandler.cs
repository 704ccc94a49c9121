using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using MemoryPlatform.Gateway.Errors;
using MemoryPlatform.Gateway.Options;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace MemoryPlatform.Gateway.Auth;

/// <summary>
/// <c>Authorization: Bearer &lt;key&gt;</c>. The admin key (configuration, compared in constant time) gives the admin
/// role; a tenant API key (looked up by its SHA-256 in Redis) gives the tenant claim. No header: anonymous.
/// A malformed header or an unknown key fails authentication. Challenges and refusals answer in the API's
/// error shape (401 with WWW-Authenticate, 403). Keys are never logged.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> schemeOptions, ILoggerFactory loggerFactory, UrlEncoder encoder,
    TenantKeys tenantKeys, IOptions<GatewayOptions> gatewayOptions)
    : AuthenticationHandler<AuthenticationSchemeOptions>(schemeOptions, loggerFactory, encoder)
{
    private const string BearerPrefix = "Bearer ";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue("Authorization", out var values)) return AuthenticateResult.NoResult();
        var header = values.Count == 1 ? values[0] : null;
        if (header is null || !header.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase)
                           || header.Length == BearerPrefix.Length || header.AsSpan(BearerPrefix.Length).Contains(' '))
            return AuthenticateResult.Fail("malformed Authorization header; expected 'Bearer <api key>'");
        var key = header[BearerPrefix.Length..];

        if (IsAdminKey(key))
            return Success(new Claim(ClaimTypes.Role, ApiKeyDefaults.AdminRole));

        var tenant = await tenantKeys.ResolveAsync(key);
        return tenant is null
            ? AuthenticateResult.Fail("unknown API key")
            : Success(new Claim(ApiKeyDefaults.TenantClaim, tenant));
    }

    private bool IsAdminKey(string key)
    {
        var admin = gatewayOptions.Value.AdminKey;
        if (string.IsNullOrEmpty(admin)) return false;
        // Hash both sides first: FixedTimeEquals needs equal lengths, and the length must not leak either.
        return CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(key)), SHA256.HashData(Encoding.UTF8.GetBytes(admin)));
    }

    private AuthenticateResult Success(Claim claim)
    {
        var principal = new ClaimsPrincipal(new ClaimsIdentity([claim], Scheme.Name));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, Scheme.Name));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        var message = result.Failure?.Message ?? "missing API key; send 'Authorization: Bearer <api key>'";
        await ErrorWriter.WriteAsync(Context, new ApiFailure(StatusCodes.Status401Unauthorized, ErrorCodes.Unauthorized, message),
            response => response.Headers.WWWAuthenticate = "Bearer");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        ErrorWriter.WriteAsync(Context, new ApiFailure(StatusCodes.Status403Forbidden, ErrorCodes.Forbidden,
            "this key may not call this route"));
}
