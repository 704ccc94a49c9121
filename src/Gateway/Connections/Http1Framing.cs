using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace MemoryPlatform.Gateway.Connections;

/// <summary>
/// Follows the HTTP/1.x requests on one connection, byte by byte as they arrive, to find where each request line
/// starts and whether its target holds a percent-encoded NUL (<c>%00</c>). Offsets count from the connection's first byte.
/// Invariant: it frames only what it can frame exactly as Kestrel does: a head ends at its empty line and is followed by
/// exactly Content-Length bytes of body (none without one). Anything else (Transfer-Encoding, Upgrade, a line that is not
/// an HTTP/1.0 or 1.1 request line, so HTTP/2 and TLS too, a header it cannot read, a line or head over Kestrel's limits)
/// makes it <see cref="Lost"/> for the rest of the connection, which is then left to Kestrel alone, as without the guard.
/// </summary>
public sealed class Http1Framing(int maxRequestLineBytes, int maxHeadBytes)
{
    private enum Part { RequestLine, Head, Body, Refused, Lost }

    // RFC 9110 §5.6.2 tchar: what a method and a header name are made of.
    private static readonly SearchValues<byte> Token =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"u8);

    private Part _part = Part.RequestLine;
    private long _position;      // the first byte not framed yet
    private long _requestStart;  // where the current request's line starts
    private long _bodyLeft;
    private long? _contentLength;

    /// <summary>The framing is given up: every further byte is Kestrel's alone.</summary>
    public bool Lost => _part == Part.Lost;

    /// <summary>The request line at <see cref="RequestStart"/> holds a NUL and must never reach Kestrel.</summary>
    public bool Refused => _part == Part.Refused;

    public long RequestStart => _requestStart;

    /// <summary>
    /// How far Kestrel may be shown the bytes: up to a request line that is still incomplete or that is refused, and no
    /// further; null when everything may be shown.
    /// </summary>
    public long? Barrier => _part is Part.RequestLine or Part.Refused ? _requestStart : null;

    /// <summary>A request line is being held back until it is complete.</summary>
    public bool HoldsLine => _part == Part.RequestLine;

    public void GiveUp()
    {
        if (_part != Part.Refused) _part = Part.Lost;
    }

    /// <summary>Frames what <paramref name="buffer"/> (the connection's bytes from offset <paramref name="start"/> on) adds.</summary>
    public void Advance(ReadOnlySequence<byte> buffer, long start)
    {
        if (_part is Part.Refused or Part.Lost) return;
        if (_position < start || _position > start + buffer.Length)
        {
            _part = Part.Lost; // bytes went by unframed; cannot happen while the reader shows only framed bytes
            return;
        }
        var reader = new SequenceReader<byte>(buffer.Slice(_position - start));
        while (Step(ref reader)) { }
    }

    /// <summary>Frames one piece (a line, or what there is of a body); false when it needs more bytes or framing ended.</summary>
    private bool Step(ref SequenceReader<byte> reader) => _part switch
    {
        Part.RequestLine => RequestLine(ref reader),
        Part.Head => HeadLine(ref reader),
        Part.Body => Body(ref reader),
        _ => false,
    };

    private bool RequestLine(ref SequenceReader<byte> reader)
    {
        if (!reader.TryReadTo(out ReadOnlySequence<byte> line, (byte)'\n'))
        {
            // A first byte no method starts with (TLS's 0x16, a stray CRLF) would never complete a line worth holding.
            if (reader.Remaining >= maxRequestLineBytes || (reader.TryPeek(out var first) && !Token.Contains(first))) _part = Part.Lost;
            return false;
        }
        _position += line.Length + 1;
        if (line.Length + 1 > maxRequestLineBytes)
        {
            _part = Part.Lost;
            return false;
        }
        var text = TrimCr(Flat(line));
        var methodEnd = text.IndexOf((byte)' ');
        var versionStart = text.LastIndexOf((byte)' ') + 1;
        if (methodEnd <= 0 || versionStart <= methodEnd + 1 || text[..methodEnd].ContainsAnyExcept(Token)
            || !(text[versionStart..].SequenceEqual("HTTP/1.1"u8) || text[versionStart..].SequenceEqual("HTTP/1.0"u8)))
        {
            _part = Part.Lost;
            return false;
        }
        // %00 has no letters, so there is no case to ignore; Kestrel's own check is on the decoded path only, this one
        // covers the whole target (the query too), so that no NUL reaches the application either.
        if (text[(methodEnd + 1)..(versionStart - 1)].IndexOf("%00"u8) >= 0)
        {
            _part = Part.Refused;
            return false;
        }
        _part = Part.Head;
        _contentLength = null;
        return true;
    }

    private bool HeadLine(ref SequenceReader<byte> reader)
    {
        if (!reader.TryReadTo(out ReadOnlySequence<byte> line, (byte)'\n'))
        {
            if (_position + reader.Remaining - _requestStart > maxHeadBytes) _part = Part.Lost;
            return false;
        }
        _position += line.Length + 1;
        if (_position - _requestStart > maxHeadBytes)
        {
            _part = Part.Lost;
            return false;
        }
        var text = TrimCr(Flat(line));
        if (text.IsEmpty) return EndOfHead();
        var colon = text.IndexOf((byte)':');
        if (colon <= 0 || text[..colon].ContainsAnyExcept(Token))
        {
            _part = Part.Lost;
            return false;
        }
        var name = text[..colon];
        if (Ascii.EqualsIgnoreCase(name, "Content-Length"u8))
        {
            var value = text[(colon + 1)..].Trim(" \t"u8);
            if (_contentLength is not null || value.IsEmpty || value.Length > 18 || value.ContainsAnyExceptInRange((byte)'0', (byte)'9')
                || !Utf8Parser.TryParse(value, out long length, out _))
            {
                _part = Part.Lost;
                return false;
            }
            _contentLength = length;
        }
        else if (Ascii.EqualsIgnoreCase(name, "Transfer-Encoding"u8) || Ascii.EqualsIgnoreCase(name, "Upgrade"u8))
        {
            // A chunked body (or bytes after a protocol switch) is not followed here: the connection is Kestrel's from now on.
            _part = Part.Lost;
            return false;
        }
        return true;
    }

    private bool EndOfHead()
    {
        if (_contentLength is > 0)
        {
            _part = Part.Body;
            _bodyLeft = _contentLength.Value;
        }
        else
        {
            NextRequest();
        }
        return true;
    }

    private bool Body(ref SequenceReader<byte> reader)
    {
        var skip = Math.Min(_bodyLeft, reader.Remaining);
        reader.Advance(skip);
        _position += skip;
        _bodyLeft -= skip;
        if (_bodyLeft > 0) return false;
        NextRequest();
        return true;
    }

    private void NextRequest()
    {
        _part = Part.RequestLine;
        _requestStart = _position;
    }

    private static ReadOnlySpan<byte> Flat(in ReadOnlySequence<byte> line) => line.IsSingleSegment ? line.FirstSpan : line.ToArray();

    private static ReadOnlySpan<byte> TrimCr(ReadOnlySpan<byte> line) => line.EndsWith((byte)'\r') ? line[..^1] : line;
}
