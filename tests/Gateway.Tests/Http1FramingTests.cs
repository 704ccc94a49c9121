using System.Buffers;
using System.Text;
using MemoryPlatform.Gateway.Connections;

namespace MemoryPlatform.Gateway.Tests;

/// <summary>The connection guard's framing, on bytes alone: where request lines start, which it refuses, when it gives up.</summary>
public class Http1FramingTests
{
    private const string Health = "GET /healthz HTTP/1.1\r\nHost: h\r\n\r\n";

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(4096)]
    public void A_nul_line_after_a_body_is_refused_at_its_start_whatever_the_pieces(int piece)
    {
        var before = Post("GET /a%00b HTTP/1.1\r\n\r\n") + Health;
        var framing = Feed(before + "GET /v1/documents/x%00 HTTP/1.1\r\nHost: h\r\n\r\n", piece);
        Assert.True(framing.Refused);
        Assert.Equal((long)before.Length, framing.RequestStart);
        Assert.Equal((long?)framing.RequestStart, framing.Barrier);
    }

    [Fact]
    public void An_incomplete_request_line_is_held_and_judged_once_complete()
    {
        var framing = new Http1Framing(8192, 40000);
        var bytes = Encoding.ASCII.GetBytes(Health + "GET /v1/documents/a%0");
        framing.Advance(new ReadOnlySequence<byte>(bytes), 0);
        Assert.True(framing.HoldsLine);
        Assert.Equal((long?)Health.Length, framing.Barrier);
        framing.Advance(new ReadOnlySequence<byte>([.. bytes, .. "0 HTTP/1.1\r\n"u8]), 0);
        Assert.True(framing.Refused);
        Assert.Equal((long)Health.Length, framing.RequestStart);
    }

    [Fact]
    public void A_clean_request_clears_everything_up_to_the_next_line()
    {
        var cleared = Post("{\"name\":\r\n\"GET /%00 HTTP/1.1\"}") + "GET /healthz?x=%2500 HTTP/1.1\r\n\r\n";
        var framing = Feed(cleared + "GET /heal", 5);
        Assert.False(framing.Refused);
        Assert.False(framing.Lost);
        Assert.Equal((long?)cleared.Length, framing.Barrier);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(4096)]
    public void A_chunked_body_is_followed_to_the_next_request_line(int piece)
    {
        // Chunk data holding "%00" and a request line is body, not a request; sizes in either case, an extension, trailers.
        var chunked = "POST /v1/query HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: Chunked\r\n\r\n" +
                      "1a;ext=1\r\nGET /a%00b HTTP/1.1\r\n\r\n...\r\n" + "A\r\n0123456789\r\n" + "0\r\nX-Trailer: t\r\n\r\n";
        var before = chunked + Health;
        var framing = Feed(before + "GET /v1/documents/%00 HTTP/1.1\r\n\r\n", piece);
        Assert.True(framing.Refused);
        Assert.Equal((long)before.Length, framing.RequestStart);
    }

    [Theory]
    [InlineData("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\nGET /%00 HTTP/1.1\r\n\r\n")]
    [InlineData("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\nGET /%00 HTTP/1.1\r\n\r\n")]
    [InlineData("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nGET /%00 HTTP/1.1\r\n\r\n")]
    [InlineData("GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\nGET /%00 HTTP/1.1\r\n\r\n")]
    [InlineData("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nxGET /%00 HTTP/1.1\r\n\r\n")]
    [InlineData("POST / HTTP/1.1\r\nContent-Length: +1\r\n\r\nxGET /%00 HTTP/1.1\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\n Folded: x\r\n\r\nGET /%00 HTTP/1.1\r\n\r\n")]
    [InlineData("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")]
    [InlineData("\u0016\u0003\u0001\u0002\u0000")]
    [InlineData("\r\nGET /%00 HTTP/1.1\r\n\r\n")]
    public void What_it_cannot_frame_exactly_is_left_to_kestrel(string bytes)
    {
        var framing = Feed(bytes, 3);
        Assert.True(framing.Lost);
        Assert.Null(framing.Barrier);
    }

    [Fact]
    public void A_line_or_head_over_kestrels_limits_is_left_to_kestrel()
    {
        Assert.True(Feed("GET /" + new string('a', 100) + "%00 HTTP/1.1\r\n\r\n", 16, maxLine: 64).Lost);
        Assert.True(Feed("GET /" + new string('a', 100), 16, maxLine: 64).Lost);
        Assert.True(Feed("GET / HTTP/1.1\r\nX: " + new string('a', 200) + "\r\n\r\nGET /%00 HTTP/1.1\r\n\r\n", 16, maxHead: 128).Lost);
    }

    private static string Post(string body) =>
        $"POST /v1/tenants HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\n\r\n{body}";

    /// <summary>Frames <paramref name="text"/> as it would arrive in pieces of <paramref name="piece"/> bytes, nothing consumed.</summary>
    private static Http1Framing Feed(string text, int piece, int maxLine = 8192, int maxHead = 40000)
    {
        var framing = new Http1Framing(maxLine, maxHead);
        var bytes = Encoding.ASCII.GetBytes(text);
        for (var end = Math.Min(piece, bytes.Length); ; end = Math.Min(end + piece, bytes.Length))
        {
            framing.Advance(new ReadOnlySequence<byte>(bytes, 0, end), 0);
            if (end == bytes.Length) return framing;
        }
    }
}
