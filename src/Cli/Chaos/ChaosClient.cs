using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace MemoryPlatform.Cli.Chaos;

/// <summary>A tenant the run created: its id (for Redis keys) and its API key.</summary>
public sealed record ChaosTenant(string Id, string Key);

/// <summary>A gateway answer, read whole: status (0 when no HTTP answer came), body, and the headers the checks need.</summary>
public sealed record ChaosResponse(int Status, string Body, TimeSpan? RetryAfter, string? ContentType)
{
    /// <summary>The API's error code when the body has the one error shape, <c>{"error": {"code": "...", "message": "..."}}</c>.</summary>
    public string? ErrorCode
    {
        get
        {
            if (ContentType is null || !ContentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase)) return null;
            try
            {
                using var json = JsonDocument.Parse(Body);
                return json.RootElement.ValueKind == JsonValueKind.Object
                       && json.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object
                       && error.TryGetProperty("code", out var code) && code.ValueKind == JsonValueKind.String
                       && error.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String
                    ? code.GetString()
                    : null;
            }
            catch (JsonException)
            {
                return null;
            }
        }
    }

    public JsonElement Json()
    {
        using var json = JsonDocument.Parse(Body);
        return json.RootElement.Clone();
    }
}

/// <summary>
/// The run's HTTP client: every request goes into the <see cref="RequestLedger"/> with its phase and timing. A request
/// that gets no HTTP answer (connection refused or reset, client timeout) is recorded with status 0, not thrown.
/// </summary>
public sealed class ChaosClient : IDisposable
{
    private readonly HttpClient http;
    private readonly RequestLedger ledger;

    public ChaosClient(string baseUrl, RequestLedger ledger)
    {
        this.ledger = ledger;
        http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = 512,
            PooledConnectionLifetime = TimeSpan.FromMinutes(1),
            ConnectTimeout = TimeSpan.FromSeconds(10),
        })
        {
            BaseAddress = new Uri(baseUrl.TrimEnd('/') + "/"),
            Timeout = TimeSpan.FromMinutes(3),
        };
    }

    public Uri BaseAddress => http.BaseAddress!;

    public async Task<ChaosResponse> SendAsync(string phase, HttpRequestMessage request, CancellationToken ct)
    {
        using (request)
        {
            var path = request.RequestUri?.OriginalString ?? "";
            if (path.Length > 120) path = path[..120] + "…";
            var start = Stopwatch.GetTimestamp();
            ChaosResponse response;
            try
            {
                using var answer = await http.SendAsync(request, ct);
                var body = await answer.Content.ReadAsStringAsync(ct);
                response = new ChaosResponse((int)answer.StatusCode, body, answer.Headers.RetryAfter?.Delta,
                    answer.Content.Headers.ContentType?.MediaType);
            }
            catch (Exception e) when (!ct.IsCancellationRequested && e is HttpRequestException or IOException or TaskCanceledException)
            {
                response = new ChaosResponse(0, e.GetBaseException().Message, null, null);
            }
            ledger.Add(new RequestRecord(phase, request.Method.Method, path, start, Stopwatch.GetTimestamp(), response.Status,
                response.Status is >= 500 or 0 ? Trim(response.Body) : null));
            return response;
        }
    }

    public Task<ChaosResponse> JsonAsync(string phase, HttpMethod method, string path, string? key, object? body, CancellationToken ct)
    {
        var request = new HttpRequestMessage(method, path);
        if (key is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        if (body is not null) request.Content = JsonContent.Create(body);
        return SendAsync(phase, request, ct);
    }

    public async Task<ChaosTenant> CreateTenantAsync(string adminKey, string name, CancellationToken ct)
    {
        var response = await JsonAsync("setup", HttpMethod.Post, "v1/tenants", adminKey, new { name }, ct);
        if (response.Status != 201) throw new InvalidOperationException($"creating tenant '{name}' answered {response.Status}: {Trim(response.Body)}");
        var json = response.Json();
        return new ChaosTenant(json.GetProperty("tenant_id").GetString()!, json.GetProperty("api_key").GetString()!);
    }

    private static string Trim(string text) => text.Length > 300 ? text[..300] + "…" : text;

    public void Dispose() => http.Dispose();
}
