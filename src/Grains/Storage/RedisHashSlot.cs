using System.Text;

namespace MemoryPlatform.Grains.Storage;

/// <summary>
/// Redis Cluster key → hash slot, as the cluster specification defines it: CRC16 (XMODEM:
/// polynomial 0x1021, init 0, no reflection, no final xor) of the key, or of its hash tag, mod 16384.
/// The hash tag is the part between the first '{' and the first '}' after it, when non-empty.
/// </summary>
public static class RedisHashSlot
{
    /// <summary>Number of hash slots in a Redis Cluster.</summary>
    public const int SlotCount = 16384;

    private static readonly ushort[] Table = BuildTable();

    /// <summary>The cluster slot of <paramref name="key"/> (UTF-8 encoded).</summary>
    public static int Of(string key) => Of(Encoding.UTF8.GetBytes(key));

    /// <summary>The cluster slot of a binary key.</summary>
    public static int Of(ReadOnlySpan<byte> key) => Crc16(HashedPart(key)) % SlotCount;

    /// <summary>The bytes the slot is computed over: the hash tag content if there is a non-empty one, else the whole key.</summary>
    public static ReadOnlySpan<byte> HashedPart(ReadOnlySpan<byte> key)
    {
        int open = key.IndexOf((byte)'{');
        if (open < 0) return key;
        int close = key[(open + 1)..].IndexOf((byte)'}');
        if (close <= 0) return key; // no '}' or empty tag "{}": the whole key is hashed
        return key.Slice(open + 1, close);
    }

    /// <summary>CRC16-XMODEM (CCITT polynomial 0x1021, init 0x0000); "123456789" → 0x31C3.</summary>
    public static ushort Crc16(ReadOnlySpan<byte> data)
    {
        ushort crc = 0;
        foreach (byte b in data)
            crc = (ushort)((crc << 8) ^ Table[((crc >> 8) ^ b) & 0xFF]);
        return crc;
    }

    private static ushort[] BuildTable()
    {
        var table = new ushort[256];
        for (int i = 0; i < 256; i++)
        {
            ushort crc = (ushort)(i << 8);
            for (int bit = 0; bit < 8; bit++)
                crc = (crc & 0x8000) != 0 ? (ushort)((crc << 1) ^ 0x1021) : (ushort)(crc << 1);
            table[i] = crc;
        }
        return table;
    }
}
