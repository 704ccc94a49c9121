using System.Buffers.Binary;
using System.Security.Cryptography;

namespace MemoryPlatform.ModelCore.Icae;

/// <summary>
/// 32-byte identity of the model that produced memory slots: SHA-256 over the base model's and the
/// ICAE adapter's identities. Slots are only meaningful to the exact model+adapter pair that
/// encoded them, so every slot blob carries one and decoding checks it.
/// </summary>
/// <remarks>Stored as four 64-bit words (little-endian chunks of the 32 bytes) so that the
/// generated record equality compares the bytes by value.</remarks>
public readonly record struct ModelFingerprint
{
    /// <summary>Size of a fingerprint in bytes.</summary>
    public const int Size = 32;

    private readonly ulong _w0, _w1, _w2, _w3;

    /// <summary>Wraps exactly 32 bytes.</summary>
    public ModelFingerprint(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Size)
            throw new ArgumentException($"A model fingerprint is {Size} bytes, got {bytes.Length}.", nameof(bytes));
        _w0 = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        _w1 = BinaryPrimitives.ReadUInt64LittleEndian(bytes[8..]);
        _w2 = BinaryPrimitives.ReadUInt64LittleEndian(bytes[16..]);
        _w3 = BinaryPrimitives.ReadUInt64LittleEndian(bytes[24..]);
    }

    /// <summary>True for <c>default(ModelFingerprint)</c> (all zero bytes), which no real model has.</summary>
    public bool IsEmpty => (_w0 | _w1 | _w2 | _w3) == 0;

    /// <summary>
    /// SHA-256 over the parts, each prefixed with its length (64-bit little-endian) so that the
    /// split between parts matters: ("ab","c") and ("a","bc") give different fingerprints.
    /// Typical parts: the base model's weights hash or name@revision, then the adapter's.
    /// </summary>
    public static ModelFingerprint Of(params ReadOnlySpan<byte[]> parts)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> len = stackalloc byte[8];
        foreach (var part in parts)
        {
            ArgumentNullException.ThrowIfNull(part, nameof(parts));
            BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)part.Length);
            sha.AppendData(len);
            sha.AppendData(part);
        }
        Span<byte> hash = stackalloc byte[Size];
        sha.GetHashAndReset(hash);
        return new ModelFingerprint(hash);
    }

    /// <summary><see cref="Of(ReadOnlySpan{byte[]})"/> over the UTF-8 bytes of each string.</summary>
    public static ModelFingerprint Of(params ReadOnlySpan<string> parts)
    {
        var bytes = new byte[parts.Length][];
        for (int i = 0; i < parts.Length; i++)
        {
            ArgumentNullException.ThrowIfNull(parts[i], nameof(parts));
            bytes[i] = System.Text.Encoding.UTF8.GetBytes(parts[i]);
        }
        return Of(bytes);
    }

    /// <summary>Parses 64 hex digits (either case).</summary>
    public static ModelFingerprint FromHex(string hex)
    {
        ArgumentNullException.ThrowIfNull(hex);
        if (hex.Length != Size * 2)
            throw new FormatException($"A model fingerprint is {Size * 2} hex digits, got {hex.Length} characters.");
        byte[] bytes;
        try { bytes = Convert.FromHexString(hex); }
        catch (FormatException) { throw new FormatException("A model fingerprint must be hex digits only."); }
        return new ModelFingerprint(bytes);
    }

    /// <summary>Writes the 32 bytes to <paramref name="destination"/>.</summary>
    public void CopyTo(Span<byte> destination)
    {
        if (destination.Length < Size)
            throw new ArgumentException($"Need {Size} bytes of room.", nameof(destination));
        BinaryPrimitives.WriteUInt64LittleEndian(destination, _w0);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], _w1);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[16..], _w2);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[24..], _w3);
    }

    /// <summary>The 32 bytes as a new array.</summary>
    public byte[] ToArray()
    {
        var bytes = new byte[Size];
        CopyTo(bytes);
        return bytes;
    }

    /// <summary>64 lowercase hex digits.</summary>
    public string ToHex()
    {
        Span<byte> bytes = stackalloc byte[Size];
        CopyTo(bytes);
        return Convert.ToHexStringLower(bytes);
    }

    /// <inheritdoc cref="ToHex"/>
    public override string ToString() => ToHex();
}
