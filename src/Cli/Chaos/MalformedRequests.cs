using System.Text;

namespace MemoryPlatform.Cli.Chaos;

/// <summary>
/// Generates requests that break the API's contract (docs/api.md), reproducibly from a seed, in eleven categories:
/// broken JSON, wrong types, out-of-range numbers, invalid UTF-8, control characters, oversized bodies, odd ids and
/// paths, unknown fields, wrong content types, wrong methods, bad credentials. Every one is malformed by construction
/// (a JSON body is never a valid request; an id a route looks up never exists for the flood's tenant), so the only
/// right answer is a 4xx with the error shape; a 2xx means the platform accepted garbage.
/// </summary>
public sealed class MalformedRequests(string tenantKey, string adminKey, int maxBodyBytes)
{
    public static readonly string[] Categories =
    [
        "broken_json", "wrong_types", "numbers", "invalid_utf8", "control_chars", "odd_paths", "unknown_fields",
        "wrong_content_type", "wrong_method", "bad_auth", "oversized",
    ];

    private const string Json = "application/json";

    // Valid bodies of the JSON routes; every generated body breaks them (queries and appends name documents that do not exist).
    private static readonly (string Path, string Body, bool Admin)[] Templates =
    [
        ("v1/documents", """{"id": "d1", "text": "hello world"}""", false),
        ("v1/query", """{"documents": ["d1"], "prompt": "why?", "max_tokens": 8}""", false),
        ("v1/documents/d1/append", """{"text": "more"}""", false),
        ("v1/tenants", """{"name": "acme"}""", true),
    ];

    private static readonly string[] BrokenJson =
    [
        "{", "}", "[", "]", "{\"text\"}", "{\"text\":}", "{\"text\" \"a\"}", "{'text': 'a'}", "{text: \"a\"}", "{\"text\": \"a\",}",
        "{\"text\": \"a\" /* c */}", "{\"text\": \"a\" // c\n}", "{\"text\": \"unterminated}", "{\"text\": \"\\x41\"}", "{\"text\": \"\\u12\"}",
        "{\"text\": \"a\" \"b\"}", "{\"text\": NaN}", "{\"text\": Infinity}", "{\"text\": \"a\"}{\"text\": \"b\"}", "{\"text\": \"a\"} trailing",
        "{\"text\": \"a\"}}", "{,}", "{\"text\": \"a\",, \"id\": \"b\"}", "{\"text\": tru}", "{\"text\": 01}", "{\"text\": .5}", "{\"text\": +1}",
        "{\"text\": \"\\ud800\"}", "{\"\": \"a\"}", "null", "true", "42", "\"text\"", "[]", "[{\"text\": \"a\"}]",
    ];

    private static readonly string[] WrongValues = ["5", "true", "false", "null", "[]", "[\"a\"]", "{}", "{\"a\": 1}", "1.5", "-1", "\"\""];

    private static readonly (string Field, string[] Values)[] WrongQueryFields =
    [
        ("documents", ["\"d1\"", "5", "{}", "[1]", "[null]", "[true]", "[[\"d1\"]]", "null"]),
        ("prompt", ["5", "[]", "{}", "null", "true"]),
        ("max_tokens", ["\"8\"", "true", "[]", "{}", "1.5", "\"x\"", "null"]),
        ("temperature", ["\"0\"", "[]", "true", "{}"]),
        ("stream", ["\"yes\"", "1", "0", "[]", "\"true\""]),
        ("seed", ["\"1\"", "1.5", "true", "[]"]),
    ];

    private static readonly (string Field, string[] Values)[] BadNumbers =
    [
        ("max_tokens", ["0", "-1", "-100", "1025", "4096", "2147483647", "2147483648", "-2147483649", "99999999999999999999", "1e999", "-0.5", "1e3"]),
        ("temperature", ["-1", "-0.001", "2.001", "3", "1e308", "1e999", "-1e999"]),
        ("seed", ["-1", "-9223372036854775809", "18446744073709551616", "1e30", "0.5"]),
    ];

    private static readonly byte[][] BadUtf8 =
    [
        [0xC3, 0x28], [0xA0, 0xA1], [0xE2, 0x28, 0xA1], [0xE2, 0x82, 0x28], [0xF0, 0x28, 0x8C, 0xBC], [0xF0, 0x90, 0x28, 0xBC],
        [0xF8, 0xA1, 0xA1, 0xA1, 0xA1], [0xC0, 0xAF], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80], [0xFF], [0xFE, 0xFF], [0xC3],
    ];

    private static readonly string[] OddIds =
    [
        "..%2F..%2Fetc%2Fpasswd", "%2e%2e%2f", "a%2Fb", "a%20b", "%7Bx%7D", "x:y", "x%3Ay", new string('a', 129), new string('b', 5000),
        "d%C3%B6c", "%F0%9F%98%80", "%00", "a%00b", "%FF%FE", "%0A", "%1F", "%7F", "%25", "a+b", "a%2Bb", "(x)", "'x'", "%22x%22",
        "%3Cscript%3E", "*", "a,b", "%5Cx", "x%23y",
    ];

    private static readonly string[] UnknownRoutes =
    [
        "v1/documentz", "v1/documents/x/y/z", "v2/documents", "v1/tenants/x", "v1/query/x", "v1/documents/x/append/y", "v1/model/x",
        "api/v1/documents", "v1/documents/x/reconstruct/y", "healthz/x", "metrics/x", "v1/tenant/x", "v0", "v1/documents/x/unknown", "%00",
    ];

    private static readonly (string Method, string Path)[] WrongMethods =
    [
        ("PUT", "v1/documents"), ("PATCH", "v1/documents"), ("DELETE", "v1/documents"), ("PUT", "v1/documents/d1"),
        ("PATCH", "v1/documents/d1"), ("POST", "v1/documents/d1"), ("GET", "v1/query"), ("PUT", "v1/query"), ("DELETE", "v1/query"),
        ("GET", "v1/documents/d1/append"), ("DELETE", "v1/documents/d1/append"), ("GET", "v1/documents/d1/reconstruct"),
        ("PUT", "v1/tenants"), ("DELETE", "v1/tenants"), ("GET", "v1/tenants"), ("POST", "v1/tenant"), ("DELETE", "v1/tenant"),
        ("POST", "v1/model"), ("POST", "healthz"), ("DELETE", "readyz"),
    ];

    private static readonly string[] WrongContentTypes =
    [
        "application/xml", "text/html", "image/png", "application/octet-stream", "application/x-www-form-urlencoded", "multipart/form-data",
        "multipart/form-data; boundary=", "application/jsonx", "json", "text/json", "*/*", "application/problem+json", "text/xml", "a/b/c",
    ];

    /// <summary>
    /// <paramref name="count"/> requests: first the ones that once broke the platform (so every run, however short, sends
    /// them), then generated ones; an oversized body every 50th (the limit is the same code at any size; they are the costly ones).
    /// </summary>
    public IEnumerable<MalformedRequest> Generate(int count, int seed)
    {
        var random = new Random(seed);
        var regressions = Regressions().Take(count).ToList();
        foreach (var request in regressions) yield return request;
        var others = Categories.Where(c => c != "oversized").ToArray();
        for (var i = regressions.Count; i < count; i++)
            yield return i % 50 == 49 ? Oversized(random) : Make(others[i % others.Length], random);
    }

    /// <summary>Requests that got a 5xx once; each is fixed, and stays here so that it stays fixed.</summary>
    private IEnumerable<MalformedRequest> Regressions()
    {
        yield return JsonPost("wrong_types", "v1/query", false, """{"documents": [null], "prompt": "p"}""");       // was 500
        yield return JsonPost("wrong_types", "v1/query", false, """{"documents": ["d1", null], "prompt": "p"}""");  // was 500
    }

    public MalformedRequest Make(string category, Random random) => category switch
    {
        "broken_json" => BrokenJsonRequest(random),
        "wrong_types" => WrongTypes(random),
        "numbers" => Numbers(random),
        "invalid_utf8" => InvalidUtf8(random),
        "control_chars" => ControlChars(random),
        "odd_paths" => OddPaths(random),
        "unknown_fields" => UnknownFields(random),
        "wrong_content_type" => WrongContentType(random),
        "wrong_method" => WrongMethod(random),
        "bad_auth" => BadAuth(random),
        "oversized" => Oversized(random),
        _ => throw new ArgumentException($"unknown category '{category}'"),
    };

    private string KeyFor(bool admin) => MalformedRequest.Bearer(admin ? adminKey : tenantKey);

    private static T Pick<T>(Random random, IReadOnlyList<T> items) => items[random.Next(items.Count)];

    private MalformedRequest JsonPost(string category, string path, bool admin, string body) =>
        new(category, "POST", path, Encoding.UTF8.GetBytes(body), Json, KeyFor(admin));

    private MalformedRequest BrokenJsonRequest(Random random)
    {
        var (path, body, admin) = Pick(random, Templates);
        var broken = random.Next(4) switch
        {
            0 => body[..random.Next(body.Length)],                                     // truncated: an object never closes
            1 => body + Pick(random, new[] { "x", "}", "]", ",", "{}", "\"", " true", " 1" }),   // a second value, or debris
            2 => Pick(random, BrokenJson),
            _ => RandomNonObject(random),
        };
        return JsonPost("broken_json", path, admin, broken);
    }

    /// <summary>Printable noise that never starts an object, so it can never parse as one.</summary>
    private static string RandomNonObject(Random random)
    {
        const string first = "abcxyz0123456789[\"-:tfn<";
        var text = new StringBuilder().Append(first[random.Next(first.Length)]);
        for (var i = random.Next(0, 200); i > 0; i--) text.Append((char)random.Next(32, 127));
        return text.ToString();
    }

    private MalformedRequest WrongTypes(Random random) => random.Next(4) switch
    {
        0 => JsonPost("wrong_types", "v1/documents", false, $$"""{"text": {{Pick(random, WrongValues.Where(v => v != "\"\"").ToArray())}}}"""),
        1 => JsonPost("wrong_types", "v1/documents", false, $$"""{"id": {{Pick(random, new[] { "5", "true", "[]", "{}", "1.5" })}}, "text": "hello"}"""),
        2 => QueryWith("wrong_types", Pick(random, WrongQueryFields), random),
        _ => random.Next(2) == 0
            ? JsonPost("wrong_types", "v1/documents/d1/append", false, $$"""{"text": {{Pick(random, WrongValues.Where(v => v != "\"\"").ToArray())}}}""")
            : JsonPost("wrong_types", "v1/tenants", true, $$"""{"name": {{Pick(random, WrongValues.Where(v => v != "\"\"").ToArray())}}}"""),
    };

    private MalformedRequest QueryWith(string category, (string Field, string[] Values) field, Random random)
    {
        var fields = new Dictionary<string, string> { ["documents"] = "[\"d1\"]", ["prompt"] = "\"why?\"", ["max_tokens"] = "8" };
        fields[field.Field] = Pick(random, field.Values);
        return JsonPost(category, "v1/query", false, "{" + string.Join(", ", fields.Select(f => $"\"{f.Key}\": {f.Value}")) + "}");
    }

    private MalformedRequest Numbers(Random random) => random.Next(5) == 0
        ? JsonPost("numbers", "v1/documents", false, $$"""{"text": {{Pick(random, new[] { "1e999", "-1", "99999999999999999999", "0" })}}}""")
        : QueryWith("numbers", Pick(random, BadNumbers), random);

    private MalformedRequest InvalidUtf8(Random random)
    {
        var bad = Pick(random, BadUtf8);
        byte[] Wrap(string before, string after) => [.. Encoding.UTF8.GetBytes(before), .. bad, .. Encoding.UTF8.GetBytes(after)];
        return random.Next(5) switch
        {
            0 => new("invalid_utf8", "POST", "v1/documents", Wrap("{\"text\": \"ab", "cd\"}"), Json, KeyFor(false)),
            1 => new("invalid_utf8", "POST", "v1/documents?id=u8", Wrap("plain text ", " more"), "text/plain; charset=utf-8", KeyFor(false)),
            2 => new("invalid_utf8", "POST", "v1/query", Wrap("{\"documents\": [\"d1\"], \"prompt\": \"", "\"}"), Json, KeyFor(false)),
            3 => new("invalid_utf8", "POST", "v1/documents", Wrap("{\"te", "xt\": \"a\"}"), Json, KeyFor(false)),
            _ => new("invalid_utf8", "POST", "v1/tenants", Wrap("{\"name\": \"", "\"}"), Json, KeyFor(true)),
        };
    }

    private MalformedRequest ControlChars(Random random)
    {
        var control = (char)Pick(random, new[] { 0, 1, 2, 7, 8, 9, 10, 12, 13, 27, 31 });
        return random.Next(4) switch
        {
            // Raw control characters inside JSON strings are invalid JSON (they must be escaped).
            0 => JsonPost("control_chars", "v1/documents", false, "{\"text\": \"a" + control + "b\"}"),
            1 => JsonPost("control_chars", "v1/query", false, "{\"documents\": [\"d1\"], \"prompt\": \"p" + control + "\"}"),
            // Escaped ones are valid JSON, but never valid in an id.
            2 => JsonPost("control_chars", "v1/documents", false, $$"""{"id": "a\u{{(int)control:x4}}b", "text": "hello"}"""),
            _ => new("control_chars", Pick(random, new[] { "GET", "DELETE" }), $"v1/documents/a%{(int)control:X2}b", null, null, KeyFor(false)),
        };
    }

    private MalformedRequest OddPaths(Random random)
    {
        if (random.Next(3) == 0)
            return new("odd_paths", Pick(random, new[] { "GET", "POST", "DELETE" }), Pick(random, UnknownRoutes), null, null, KeyFor(false));
        var id = Pick(random, OddIds);
        return random.Next(4) switch
        {
            0 => new("odd_paths", "GET", $"v1/documents/{id}", null, null, KeyFor(false)),
            1 => new("odd_paths", "DELETE", $"v1/documents/{id}", null, null, KeyFor(false)),
            2 => JsonPost("odd_paths", $"v1/documents/{id}/append", false, """{"text": "more"}"""),
            _ => new("odd_paths", "POST", $"v1/documents/{id}/reconstruct", null, null, KeyFor(false)),
        };
    }

    private MalformedRequest UnknownFields(Random random)
    {
        var extra = Pick(random, new[] { "\"extra\": 1", "\"Text\": \"b\"", "\"meta\": {}", "\"foo\": null", "\"ID\": \"x\"", "\"text \": \"a\"", "\"\\u0074ext2\": 1" });
        return random.Next(4) switch
        {
            0 => JsonPost("unknown_fields", "v1/documents", false, "{\"text\": \"hello\", " + extra + "}"),
            1 => JsonPost("unknown_fields", "v1/query", false, "{\"documents\": [\"d1\"], \"prompt\": \"p\", " + extra + "}"),
            2 => JsonPost("unknown_fields", "v1/documents/d1/append", false, "{\"text\": \"more\", " + extra + "}"),
            _ => JsonPost("unknown_fields", "v1/tenants", true, "{\"name\": \"acme\", " + extra + "}"),
        };
    }

    private MalformedRequest WrongContentType(Random random)
    {
        var (path, body, admin) = Pick(random, Templates);
        return new("wrong_content_type", "POST", path, Encoding.UTF8.GetBytes(body), Pick(random, WrongContentTypes), KeyFor(admin));
    }

    private MalformedRequest WrongMethod(Random random)
    {
        var (method, path) = Pick(random, WrongMethods);
        var admin = path.StartsWith("v1/tenants", StringComparison.Ordinal);
        return new("wrong_method", method, path, method is "GET" or "DELETE" ? null : "{}"u8.ToArray(), method is "GET" or "DELETE" ? null : Json, KeyFor(admin));
    }

    private MalformedRequest BadAuth(Random random)
    {
        var (path, body, admin) = Pick(random, Templates);
        string? authorization = random.Next(10) switch
        {
            0 => null,
            1 => "Bearer",
            2 => "bearer " + tenantKey.ToUpperInvariant(),
            3 => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:" + adminKey)),
            4 => "Bearer " + adminKey + "x",
            5 => "Bearer " + tenantKey[..^1],
            6 => "Bearer mp_" + Convert.ToHexStringLower(RandomBytes(random, 32)),
            7 => "Token " + tenantKey,
            8 => "Bearer " + tenantKey + " " + tenantKey,
            _ => "Bearer " + (admin ? tenantKey : adminKey),   // the other kind of key: 403
        };
        return new("bad_auth", "POST", path, Encoding.UTF8.GetBytes(body), Json, authorization);
    }

    private static byte[] RandomBytes(Random random, int count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }

    private MalformedRequest Oversized(Random random)
    {
        var size = maxBodyBytes + 1 + random.Next(64 * 1024);
        return random.Next(3) switch
        {
            0 => new("oversized", "POST", "v1/documents?id=big", Encoding.ASCII.GetBytes(new string('a', size)), "text/plain", KeyFor(false),
                ExpectContinue: true),
            1 => new("oversized", "POST", "v1/documents", Encoding.ASCII.GetBytes("{\"text\": \"" + new string('a', size) + "\"}"), Json, KeyFor(false),
                ExpectContinue: true),
            _ => new("oversized", "POST", "v1/query", Encoding.ASCII.GetBytes("{\"documents\": [\"d1\"], \"prompt\": \"" + new string('q', size) + "\"}"),
                Json, KeyFor(false), Chunked: true, ExpectContinue: true),
        };
    }
}
