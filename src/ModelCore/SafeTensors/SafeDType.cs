namespace MemoryPlatform.ModelCore.SafeTensors;

/// <summary>Element types of the safetensors format (the subset Llama checkpoints and our own files use).</summary>
public enum SafeDType
{
    F64,
    F32,
    F16,
    BF16,
    I64,
    I32,
    I16,
    I8,
    U8,
    BOOL,
}

public static class SafeDTypeExtensions
{
    /// <summary>Bytes per element; BOOL is one byte per element in safetensors.</summary>
    public static int ElementSize(this SafeDType dtype) => dtype switch
    {
        SafeDType.F64 or SafeDType.I64 => 8,
        SafeDType.F32 or SafeDType.I32 => 4,
        SafeDType.F16 or SafeDType.BF16 or SafeDType.I16 => 2,
        SafeDType.I8 or SafeDType.U8 or SafeDType.BOOL => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown safetensors dtype"),
    };

    /// <summary>The spelling used in the header JSON ("F32", "BF16", ...).</summary>
    public static string HeaderName(this SafeDType dtype) =>
        Enum.IsDefined(dtype) ? dtype.ToString() : throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown safetensors dtype");

    /// <summary>Parses a header dtype string. Exact, case-sensitive match as in the spec.</summary>
    public static bool TryParseHeaderName(string text, out SafeDType dtype)
    {
        foreach (var candidate in Enum.GetValues<SafeDType>())
        {
            if (string.Equals(candidate.ToString(), text, StringComparison.Ordinal))
            {
                dtype = candidate;
                return true;
            }
        }
        dtype = default;
        return false;
    }
}
