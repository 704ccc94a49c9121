using System.Security.Cryptography;
using System.Text;

namespace MemoryPlatform.ModelCore.Data;

/// <summary>
/// Writes split files: UTF-8 without BOM, LF line ends, documents separated by a line holding
/// only &lt;|doc|&gt;, the file ending in one newline. Long test documents also get a file each.
/// </summary>
public static class CorpusWriter
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    public sealed record FileStats(int Documents, long Bytes, string Sha256);

    public static byte[] Encode(IEnumerable<string> documents)
    {
        var text = string.Join($"\n{TextCleaner.DocSeparator}\n", documents);
        return Utf8.GetBytes(text.Length > 0 ? text + "\n" : "");
    }

    /// <summary>Splits a split file back into documents (inverse of <see cref="Encode"/>).</summary>
    public static List<string> Decode(string fileText)
    {
        if (fileText.Length == 0) return [];
        return fileText.TrimEnd('\n').Split($"\n{TextCleaner.DocSeparator}\n").ToList();
    }

    public static FileStats WriteSplit(string path, IReadOnlyList<string> documents)
    {
        var bytes = Encode(documents);
        File.WriteAllBytes(path, bytes);
        return new FileStats(documents.Count, bytes.LongLength, Sha256Hex(bytes));
    }

    public static string WriteDocument(string path, string text)
    {
        var bytes = Utf8.GetBytes(text + "\n");
        File.WriteAllBytes(path, bytes);
        return Sha256Hex(bytes);
    }

    /// <summary>File name for a long test document: "source-id.txt" with anything odd replaced.</summary>
    public static string LongDocFileName(CorpusDocument d)
    {
        var sb = new StringBuilder();
        foreach (var c in $"{d.Source}-{d.Id}")
            sb.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_');
        return sb + ".txt";
    }

    public static string Sha256Hex(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    public static string Sha256File(string path)
    {
        using var f = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(f));
    }
}
