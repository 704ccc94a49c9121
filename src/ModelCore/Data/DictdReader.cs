using System.IO.Compression;
using System.Text;

namespace MemoryPlatform.ModelCore.Data;

/// <summary>
/// Reads a dictd database: NAME.index (headword, offset, length in dictd's base64) and
/// NAME.dict.dz (dictzip, which is plain gzip with an extra header field).
/// </summary>
public static class DictdReader
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    public static long DecodeNumber(string s)
    {
        long v = 0;
        foreach (var c in s)
        {
            var d = Alphabet.IndexOf(c);
            if (d < 0) throw new FormatException($"bad dictd base64 digit '{c}' in '{s}'");
            v = v * 64 + d;
        }
        return v;
    }

    public static byte[] ReadDictData(string dzPath)
    {
        using var gz = new GZipStream(File.OpenRead(dzPath), CompressionMode.Decompress);
        using var ms = new MemoryStream();
        gz.CopyTo(ms);
        return ms.ToArray();
    }

    /// <summary>
    /// Entry bodies in file order, each once (several headwords may point at one body);
    /// dictd's "00-database-*" metadata entries are skipped.
    /// </summary>
    public static IEnumerable<string> Entries(string indexText, byte[] data)
    {
        var spans = new SortedSet<(long Offset, long Length)>();
        foreach (var line in indexText.Split('\n'))
        {
            var parts = line.Split('\t');
            if (parts.Length < 3) continue;
            spans.Add((DecodeNumber(parts[1]), DecodeNumber(parts[2])));
        }
        foreach (var (offset, length) in spans)
        {
            if (offset + length > data.Length) throw new FormatException($"entry at {offset} runs past the data");
            var body = Encoding.UTF8.GetString(data, (int)offset, (int)length);
            // Metadata hides under several headwords ("00-gcide-url" too); its body names it.
            if (body.StartsWith("00-database", StringComparison.Ordinal)
                || body.StartsWith("00database", StringComparison.Ordinal)) continue;
            yield return body;
        }
    }
}
