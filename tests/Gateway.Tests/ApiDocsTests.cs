using System.Diagnostics;
using System.Text.Json;
using MemoryPlatform.Gateway.Tests.Fixtures;
using static MemoryPlatform.Gateway.Tests.Fixtures.GatewayApi;

namespace MemoryPlatform.Gateway.Tests;

/// <summary>
/// docs/api.md stays true: each curl example runs, in order, with the real curl against the gateway on its Kestrel
/// port; the status must be the documented one, and a documented JSON answer must have the same fields. The key
/// from the documented tenant creation is used by the examples after it; after a 202 the replay waits until the
/// document is ready, as a client polling its status would.
/// </summary>
[Collection(GatewayCollection.Name)]
public class ApiDocsTests(GatewayFixture fixture)
{
    private static readonly string DocsPath = Path.Combine(AppContext.BaseDirectory, "docs", "api.md");

    [Fact]
    public void The_api_docs_hold_curl_examples_for_every_route()
    {
        var examples = DocumentedExample.Parse(File.ReadAllText(DocsPath));
        Assert.True(examples.Count >= 18, $"only {examples.Count} examples parsed");
        var all = string.Join('\n', examples.Select(e => e.Command));
        foreach (var route in new[] { "/v1/tenants", "/v1/tenant\"", "/v1/documents\"", "/v1/documents?id=", "/v1/documents/handbook\"",
                     "/append", "/reconstruct", "-X DELETE", "/v1/query", "\"stream\": true", "-F \"file=@", "/v1/model", "/healthz", "/readyz", "/metrics", "/openapi/v1.json" })
            Assert.Contains(route, all);
    }

    [Theory]
    [InlineData("docs/api.md")]
    [InlineData("README.md")]
    public async Task Every_documented_curl_example_runs_against_the_gateway_as_documented(string file)
    {
        var examples = DocumentedExample.Parse(await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, file)));
        Assert.NotEmpty(examples);
        var work = Directory.CreateTempSubdirectory("memplat-docs-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(work.FullName, "notes.txt"), "Uploaded notes: a file sent as multipart form data.");
            var env = new Dictionary<string, string>
            {
                ["GATEWAY"] = fixture.Gateway.BaseAddress.ToString().TrimEnd('/'),
                ["ADMIN_KEY"] = AdminKey,
                ["API_KEY"] = "",
            };
            foreach (var example in examples)
            {
                var (status, body) = await RunCurlAsync(example.Command, env, work.FullName);
                Assert.True(status == example.Status, $"{file} line {example.Line}: expected {example.Status}, got {status}: {body}\n{example.Command}");
                if (example.ResponseLanguage == "json") AssertSameFields(JsonDocument.Parse(example.Response!).RootElement, Parse(body), $"{file} line {example.Line}");
                if (example.ResponseLanguage == "text") Assert.EndsWith("event: done\ndata: {}", body.TrimEnd());

                if (status == 201 && example.Command.Contains("/v1/tenants")) env["API_KEY"] = Parse(body).GetProperty("api_key").GetString()!;
                if (status == 202)
                {
                    using var client = fixture.Gateway.Client(env["API_KEY"]);
                    await WaitStatusAsync(client, Parse(body).GetProperty("id").GetString()!, "ready");
                }
            }
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private static JsonElement Parse(string body)
    {
        using var doc = JsonDocument.Parse(body);
        return doc.RootElement.Clone();
    }

    /// <summary>Same field names (values differ: ids, keys, times); objects and the first element of arrays are compared recursively.</summary>
    private static void AssertSameFields(JsonElement documented, JsonElement actual, string where)
    {
        Assert.True(documented.ValueKind == actual.ValueKind, $"{where}: {documented.ValueKind} documented, {actual.ValueKind} answered");
        if (documented.ValueKind == JsonValueKind.Object)
        {
            var expected = documented.EnumerateObject().Select(p => p.Name).Order().ToList();
            var got = actual.EnumerateObject().Select(p => p.Name).Order().ToList();
            Assert.True(expected.SequenceEqual(got), $"{where}: fields [{string.Join(", ", expected)}] documented, [{string.Join(", ", got)}] answered");
            foreach (var p in documented.EnumerateObject()) AssertSameFields(p.Value, actual.GetProperty(p.Name), where);
        }
        else if (documented.ValueKind == JsonValueKind.Array && documented.GetArrayLength() > 0 && actual.GetArrayLength() > 0)
            AssertSameFields(documented[0], actual[0], where);
    }

    private static async Task<(int Status, string Body)> RunCurlAsync(string command, IReadOnlyDictionary<string, string> env, string workingDirectory)
    {
        var bodyFile = Path.Combine(workingDirectory, "response.out");
        var info = new ProcessStartInfo("bash")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(command + $" --max-time 30 -o '{bodyFile}' -w '%{{http_code}}'");
        foreach (var (k, v) in env) info.Environment[k] = v;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("curl did not finish: " + command);
        }
        Assert.True(process.ExitCode == 0, $"curl failed ({process.ExitCode}): {await stderr}\n{command}");
        var body = File.Exists(bodyFile) ? await File.ReadAllTextAsync(bodyFile) : "";
        File.Delete(bodyFile);
        return (int.Parse(await stdout), body);
    }
}
