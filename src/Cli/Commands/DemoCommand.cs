using System.CommandLine;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MemoryPlatform.Cli.Commands;

/// <summary>
/// `memplat demo`: against a running platform, creates a tenant, ingests the sample document, waits until its
/// memory is encoded, and asks a question whose answer is in the document, streaming nothing but plain JSON calls
/// (the same ones the README shows with curl).
/// </summary>
public static class DemoCommand
{
    private const string Question = "What is the keeper's code for the lantern room?";
    private const string Expected = "73914";

    public static Command Create()
    {
        var url = new Option<string>("--url") { Description = "Gateway URL", DefaultValueFactory = _ => "http://localhost:8080" };
        var adminKey = new Option<string?>("--admin-key") { Description = "Admin key (default: .memplat/admin-key written by `memplat up`)" };
        var file = new Option<string>("--file") { Description = "Document to ingest", DefaultValueFactory = _ => Path.Combine(RepoPaths.Root, "samples", "lighthouse.txt") };
        var prompt = new Option<string>("--prompt") { Description = "Question to ask", DefaultValueFactory = _ => Question };
        var command = new Command("demo", "Create a tenant, ingest a sample document, wait for it, ask a question (needs `memplat up`)");
        foreach (var o in new Option[] { url, adminKey, file, prompt }) command.Options.Add(o);
        command.SetAction((parse, ct) => CommandErrors.RunAsync("demo", async () =>
        {
            var admin = parse.GetValue(adminKey) ?? ReadAdminKey();
            var text = await File.ReadAllTextAsync(parse.GetValue(file)!, ct);
            using var http = new HttpClient { BaseAddress = new Uri(parse.GetValue(url)!.TrimEnd('/') + "/"), Timeout = TimeSpan.FromMinutes(10) };

            var tenant = await PostAsync(http, "v1/tenants", admin, new { name = "demo" }, ct);
            var apiKey = tenant["api_key"]!.GetValue<string>();
            Console.WriteLine($"tenant {tenant["tenant_id"]} created");

            var doc = await PostAsync(http, "v1/documents", apiKey, new { text }, ct);
            var id = doc["id"]!.GetValue<string>();
            Console.WriteLine($"document {id}: {text.Length:N0} characters, encoding");
            var watch = Stopwatch.StartNew();
            while (true)
            {
                var status = await GetAsync(http, $"v1/documents/{id}", apiKey, ct);
                var state = status["status"]!.GetValue<string>();
                Console.Write($"\r  {status["spans_done"]}/{status["spans"]} spans, {status["tokens"]} tokens, {status["memory_bytes"]} bytes of memory ({state})   ");
                if (state == "ready") break;
                if (state == "failed") throw new InvalidOperationException($"encoding failed: {status["error"]}");
                await Task.Delay(500, ct);
            }
            Console.WriteLine($"\n  ready in {watch.Elapsed.TotalSeconds:F1} s");

            var question = parse.GetValue(prompt)!;
            var answer = await PostAsync(http, "v1/query", apiKey, new { documents = new[] { id }, prompt = question, max_tokens = 32, temperature = 0 }, ct);
            Console.WriteLine($"Q: {question}\nA: {answer["answer"]}\n   usage: {answer["usage"]?.ToJsonString()}");
            if (question == Question)
                Console.WriteLine(answer["answer"]!.GetValue<string>().Contains(Expected) ? $"   (correct: the document says {Expected})" : $"   (the document says {Expected})");
        }));
        return command;
    }

    private static string ReadAdminKey()
    {
        var path = Path.Combine(RepoPaths.Root, ".memplat", "admin-key");
        return File.Exists(path) ? File.ReadAllText(path).Trim() : throw new ArgumentException($"no --admin-key and no {path} (start the platform with `memplat up`)");
    }

    private static async Task<JsonObject> PostAsync(HttpClient http, string path, string key, object body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        return await SendAsync(http, request, key, ct);
    }

    private static async Task<JsonObject> GetAsync(HttpClient http, string path, string key, CancellationToken ct) =>
        await SendAsync(http, new HttpRequestMessage(HttpMethod.Get, path), key, ct);

    /// <summary>Sends with the bearer key; an error response becomes one line with the gateway's error code and message.</summary>
    private static async Task<JsonObject> SendAsync(HttpClient http, HttpRequestMessage request, string key, CancellationToken ct)
    {
        using (request)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            HttpResponseMessage response;
            try { response = await http.SendAsync(request, ct); }
            catch (HttpRequestException e) { throw new IOException($"cannot reach {http.BaseAddress}: {e.Message} (is `memplat up` running?)", e); }
            using (response)
            {
                var body = await response.Content.ReadAsStringAsync(ct);
                JsonNode? json;
                try { json = JsonNode.Parse(body); }
                catch (JsonException) { json = null; }
                if (!response.IsSuccessStatusCode)
                    throw new InvalidOperationException($"{request.Method} {request.RequestUri} → {(int)response.StatusCode}: {json?["error"]?["message"] ?? body}");
                return json as JsonObject ?? throw new InvalidDataException($"{request.RequestUri}: not a JSON object: {body}");
            }
        }
    }
}
