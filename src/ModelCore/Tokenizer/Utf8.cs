using System.Text;

namespace MemoryPlatform.ModelCore.Tokenizer;

/// <summary>
/// SentencePiece works on UTF-8 bytes. We carry byte strings as .NET strings with one char per
/// byte (Latin-1), so that spans of them can key a Dictionary&lt;string, int&gt; through its
/// span lookup without allocating. Also SentencePiece's own UTF-8 validity rules.
/// </summary>
public static class Utf8
{
    /// <summary>U+FFFD as a UTF-8 byte string: what a malformed byte becomes.</summary>
    public const string ReplacementChar = "\u00EF\u00BF\u00BD";

    public static string ToByteString(string text) => Encoding.Latin1.GetString(Encoding.UTF8.GetBytes(text));

    public static string ToByteString(ReadOnlySpan<byte> bytes) => Encoding.Latin1.GetString(bytes);

    public static byte[] ToBytes(ReadOnlySpan<char> byteString)
    {
        var bytes = new byte[byteString.Length];
        for (int i = 0; i < bytes.Length; i++)
            bytes[i] = (byte)byteString[i];
        return bytes;
    }

    public static string FromByteString(ReadOnlySpan<char> byteString) => Encoding.UTF8.GetString(ToBytes(byteString));

    /// <summary>Length of the UTF-8 sequence a lead byte announces (stray continuation bytes count 1),
    /// as string_util::OneCharLen.</summary>
    public static int CharLength(int leadByte) => (leadByte & 0xFF) switch
    {
        < 0xC0 => 1,
        < 0xE0 => 2,
        < 0xF0 => 3,
        _ => 4,
    };

    /// <summary>
    /// string_util::IsValidDecodeUTF8: whether the bytes start with a well-formed character
    /// (no overlong forms, no surrogates, at most U+10FFFF), and how many bytes that takes;
    /// an invalid start consumes 1 byte.
    /// </summary>
    public static bool TryDecodeChar(ReadOnlySpan<char> s, out int length)
    {
        length = 1;
        if (s.Length == 0)
            return false;
        int b0 = s[0];
        if (b0 < 0x80)
            return true;
        if (s.Length >= 2 && (b0 & 0xE0) == 0xC0 && IsTrail(s[1]))
        {
            int cp = ((b0 & 0x1F) << 6) | (s[1] & 0x3F);
            if (cp >= 0x80) { length = 2; return true; }
        }
        else if (s.Length >= 3 && (b0 & 0xF0) == 0xE0 && IsTrail(s[1]) && IsTrail(s[2]))
        {
            int cp = ((b0 & 0x0F) << 12) | ((s[1] & 0x3F) << 6) | (s[2] & 0x3F);
            if (cp >= 0x800 && IsValidCodePoint(cp)) { length = 3; return true; }
        }
        else if (s.Length >= 4 && (b0 & 0xF8) == 0xF0 && IsTrail(s[1]) && IsTrail(s[2]) && IsTrail(s[3]))
        {
            int cp = ((b0 & 0x07) << 18) | ((s[1] & 0x3F) << 12) | ((s[2] & 0x3F) << 6) | (s[3] & 0x3F);
            if (cp >= 0x10000 && IsValidCodePoint(cp)) { length = 4; return true; }
        }
        return false;
    }

    private static bool IsTrail(char b) => (b & 0xC0) == 0x80;

    private static bool IsValidCodePoint(int cp) => cp < 0xD800 || (cp >= 0xE000 && cp <= 0x10FFFF);
}
