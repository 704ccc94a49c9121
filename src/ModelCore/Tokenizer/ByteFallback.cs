namespace MemoryPlatform.ModelCore.Tokenizer;

/// <summary>The &lt;0xNN&gt; byte pieces that stand for raw UTF-8 bytes under byte_fallback.</summary>
public static class ByteFallback
{
    private static readonly string[] Names = Enumerable.Range(0, 256).Select(b => $"<0x{b:X2}>").ToArray();

    public static string ByteToPiece(byte b) => Names[b];

    /// <summary>The byte a piece names, or -1. Only SentencePiece's own spelling (upper-case hex) counts.</summary>
    public static int PieceToByte(string piece)
    {
        if (piece.Length != 6 || !piece.StartsWith("<0x", StringComparison.Ordinal) || piece[5] != '>')
            return -1;
        int hi = Hex(piece[3]), lo = Hex(piece[4]);
        return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
    }

    private static int Hex(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };
}
