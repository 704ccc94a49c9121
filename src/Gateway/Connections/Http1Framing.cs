using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace MemoryPlatform.Gateway.Connections;

/// <summary>
/// Follows the HTTP/1.x requests on one connection, byte by byte as they arrive, to find where each request line
/// starts and whether its target holds a percent-encoded NUL (<c>%00</c>). Offsets count from the connection's first byte.
/// Invariant: it frames only what it can frame exactly as Kestrel does: a head ends at its empty line and is followed by
/// exactly Content-Length bytes of body, or by a chunked body (RFC 9112 §7.1: hex size lines, data, a last chunk of 0,
/// trailers to an empty line), or by none. Anything else (another Transfer-Encoding, Upgrade, a line that is not an
/// HTTP/1.0 or 1.1 request line, so HTTP/2 and TLS too, a header or chunk line it cannot read, a line or head over
/// Kestrel's limits) makes it <see cref="Lost"/> for the rest of the connection, left to Kestrel alone as without the guard.
/// Chunked bodies matter: a client refused before its chunked body was read (401, say) keeps the connection, and its
/// next request on it must be guarded too.
/// </summary>
public sealed class Http1Framing(int maxRequestLineBytes, int maxHeadBytes)
{
    private enum Part { RequestLine, Head, Body, ChunkSize, ChunkData, Trailer, Refused, Lost }

    // RFC 9110 §5.6.2 tchar: what a method and a header name are made of.
    private static readonly SearchValues<byte> Token =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"u8);

    private Part _part = Part.RequestLine;
    private long _position;      // the first byte not framed yet
    private long _requestStart;  // where the current request's line starts
    private long _bodyLeft;
    private long? _contentLength;
    private bool _chunked;
    private long _trailerStart;  // trailers count against the head limit, like a head

    /// <summary>A chunk-size line longer than this (hex digits plus extensions) is not framed.</summary>
    private const int MaxChunkLineBytes = 4096;

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
        Part.ChunkSize => ChunkSize(ref reader),
        Part.ChunkData => ChunkData(ref reader),
        Part.Trailer => Trailer(ref reader),
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
        if (line.Length + 1 > maxRequestLineBytes) return Lose();
        var text = TrimCr(Flat(line));
        var methodEnd = text.IndexOf((byte)' ');
        var versionStart = text.LastIndexOf((byte)' ') + 1;
        if (methodEnd <= 0 || versionStart <= methodEnd + 1 || text[..methodEnd].ContainsAnyExcept(Token)
            || !(text[versionStart..].SequenceEqual("HTTP/1.1"u8) || text[versionStart..].SequenceEqual("HTTP/1.0"u8)))
            return Lose();
        // %00 has no letters, so there is no case to ignore; Kestrel's own check is on the decoded path only, this one
        // covers the whole target (the query too), so that no NUL reaches the application either.
        if (text[(methodEnd + 1)..(versionStart - 1)].IndexOf("%00"u8) >= 0)
        {
            _part = Part.Refused;
            return false;
        }
        _part = Part.Head;
        _contentLength = null;
        _chunked = false;
        return true;
    }

    private bool HeadLine(ref SequenceReader<byte> reader)
    {
        if (!TryReadSectionLine(ref reader, _requestStart, out var line)) return false;
        var text = TrimCr(Flat(line));
        if (text.IsEmpty) return EndOfHead();
        var colon = text.IndexOf((byte)':');
        if (colon <= 0 || text[..colon].ContainsAnyExcept(Token)) return Lose();
        var name = text[..colon];
        if (Ascii.EqualsIgnoreCase(name, "Content-Length"u8))
        {
            var value = text[(colon + 1)..].Trim(" \t"u8);
            if (_contentLength is not null || value.IsEmpty || value.Length > 18 || value.ContainsAnyExceptInRange((byte)'0', (byte)'9')
                || !Utf8Parser.TryParse(value, out long length, out _))
                return Lose();
            _contentLength = length;
        }
        else if (Ascii.EqualsIgnoreCase(name, "Transfer-Encoding"u8))
        {
            // Only a body that is plainly chunked is followed; other codings (and a second header) are Kestrel's alone.
            if (_chunked || !Ascii.EqualsIgnoreCase(text[(colon + 1)..].Trim(" \t"u8), "chunked"u8))
                return Lose();
            _chunked = true;
        }
        else if (Ascii.EqualsIgnoreCase(name, "Upgrade"u8))
        {
            return Lose(); // bytes after a protocol switch are not HTTP/1.x: the connection is Kestrel's from now on
        }
        return true;
    }

    private bool EndOfHead()
    {
        if (_chunked && _contentLength is not null)
            return Lose(); // both framings at once: Kestrel refuses it, and this framing does not guess
        if (_chunked)
            _part = Part.ChunkSize;
        else if (_contentLength is > 0)
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
        if (!Skip(ref reader)) return false;
        NextRequest();
        return true;
    }

    /// <summary>Passes over what is left of <see cref="_bodyLeft"/>; true once all of it has gone by.</summary>
    private bool Skip(ref SequenceReader<byte> reader)
    {
        var skip = Math.Min(_bodyLeft, reader.Remaining);
        reader.Advance(skip);
        _position += skip;
        _bodyLeft -= skip;
        return _bodyLeft == 0;
    }

    /// <summary>A chunk-size line: hex digits, optional extensions after ';'. Size 0 is the last chunk; trailers follow.</summary>
    private bool ChunkSize(ref SequenceReader<byte> reader)
    {
        if (!reader.TryReadTo(out ReadOnlySequence<byte> line, (byte)'\n'))
        {
            if (reader.Remaining > MaxChunkLineBytes) _part = Part.Lost;
            return false;
        }
        _position += line.Length + 1;
        var text = TrimCr(Flat(line));
        var extensions = text.IndexOf((byte)';');
        var digits = (extensions >= 0 ? text[..extensions] : text).Trim(" \t"u8);
        if (line.Length + 1 > MaxChunkLineBytes || digits.IsEmpty || digits.Length > 15
            || !Utf8Parser.TryParse(digits, out long size, out var used, 'X') || used != digits.Length)
            return Lose();
        if (size == 0)
        {
            _part = Part.Trailer;
            _trailerStart = _position;
        }
        else
        {
            _part = Part.ChunkData;
            _bodyLeft = size + 2; // the data and its CRLF
        }
        return true;
    }

    private bool ChunkData(ref SequenceReader<byte> reader)
    {
        if (!Skip(ref reader)) return false;
        _part = Part.ChunkSize;
        return true;
    }

    /// <summary>Trailer fields up to the empty line that ends the request.</summary>
    private bool Trailer(ref SequenceReader<byte> reader)
    {
        if (!TryReadSectionLine(ref reader, _trailerStart, out var line)) return false;
        if (TrimCr(Flat(line)).IsEmpty) NextRequest();
        return true;
    }

    /// <summary>
    /// The next line of a head or trailer section that began at <paramref name="sectionStart"/>; false when it is not
    /// complete yet or the section outgrows Kestrel's head limit (then the framing is lost).
    /// </summary>
    private bool TryReadSectionLine(ref SequenceReader<byte> reader, long sectionStart, out ReadOnlySequence<byte> line)
    {
        if (!reader.TryReadTo(out line, (byte)'\n'))
        {
            if (_position + reader.Remaining - sectionStart > maxHeadBytes) _part = Part.Lost;
            return false;
        }
        _position += line.Length + 1;
        return _position - sectionStart <= maxHeadBytes || Lose();
    }

    /// <summary>Gives the framing up for the rest of the connection (see the class remarks); false, for Step.</summary>
    private bool Lose()
    {
        _part = Part.Lost;
        return false;
    }

    private void NextRequest()
    {
        _part = Part.RequestLine;
        _requestStart = _position;
    }

    private static ReadOnlySpan<byte> Flat(in ReadOnlySequence<byte> line) => line.IsSingleSegment ? line.FirstSpan : line.ToArray();

    private static ReadOnlySpan<byte> TrimCr(ReadOnlySpan<byte> line) => line.EndsWith((byte)'\r') ? line[..^1] : line;
}
