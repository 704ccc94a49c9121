using System.Text.Json;

namespace MemoryPlatform.Gateway.Tests.Fixtures;

/// <summary>A strict reader of the gateway's SSE framing: "event: NAME", one "data: JSON" line, then a blank line.</summary>
public static class SseReader
{
    public sealed record SseEvent(string Name, JsonElement Data);

    public static async IAsyncEnumerable<SseEvent> ReadAsync(Stream stream)
    {
        using var reader = new StreamReader(stream);
        while (await reader.ReadLineAsync() is { } line)
        {
            Assert.StartsWith("event: ", line);
            var name = line["event: ".Length..];
            var data = await reader.ReadLineAsync();
            Assert.NotNull(data);
            Assert.StartsWith("data: ", data);
            Assert.Equal("", await reader.ReadLineAsync());
            using var json = JsonDocument.Parse(data["data: ".Length..]);
            yield return new SseEvent(name, json.RootElement.Clone());
        }
    }

    public static async Task<List<SseEvent>> ReadAllAsync(HttpResponseMessage response)
    {
        var events = new List<SseEvent>();
        await foreach (var e in ReadAsync(await response.Content.ReadAsStreamAsync())) events.Add(e);
        return events;
    }
}
