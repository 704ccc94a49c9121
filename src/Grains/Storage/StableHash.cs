using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using MemoryPlatform.ModelCore.Icae;

namespace MemoryPlatform.Grains.Storage;

/// <summary>
/// Process-independent content hashes (SHA-256, lowercase hex). Never use
/// <see cref="string.GetHashCode()"/> for anything stored: it is randomised per process.
/// </summary>
public static class StableHash
{
    /// <summary>SHA-256 of <paramref name="data"/> as 64 lowercase hex digits.</summary>
    public static string Sha256Hex(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(SHA256.HashData(data));

    /// <summary>
    /// Content hash of one span's tokens as encoded by one model, salted per tenant (as vLLM's
    /// multi-tenant prefix cache does) so equal content in two tenants never shares an identity.
    /// SHA-256 over: the ASCII domain "memplat/span-content/v1" and a zero byte; the tenant id's
    /// length (u32 LE) and UTF-8 bytes; the 32 fingerprint bytes; the token count (u32 LE); each
    /// token id (i32 LE). Returns 64 lowercase hex digits.
    /// </summary>
    public static string SpanContent(string tenant, ReadOnlySpan<int> tokenIds, ModelFingerprint fp)
    {
        RedisIds.ValidateTenant(tenant);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData("memplat/span-content/v1\0"u8);

        Span<byte> word = stackalloc byte[4];
        var tenantBytes = Encoding.UTF8.GetBytes(tenant);
        BinaryPrimitives.WriteUInt32LittleEndian(word, (uint)tenantBytes.Length);
        sha.AppendData(word);
        sha.AppendData(tenantBytes);

        Span<byte> fpBytes = stackalloc byte[ModelFingerprint.Size];
        fp.CopyTo(fpBytes);
        sha.AppendData(fpBytes);

        BinaryPrimitives.WriteUInt32LittleEndian(word, (uint)tokenIds.Length);
        sha.AppendData(word);
        Span<byte> chunk = stackalloc byte[4 * 256];
        for (int start = 0; start < tokenIds.Length; start += 256)
        {
            var part = tokenIds.Slice(start, Math.Min(256, tokenIds.Length - start));
            for (int i = 0; i < part.Length; i++)
                BinaryPrimitives.WriteInt32LittleEndian(chunk[(4 * i)..], part[i]);
            sha.AppendData(chunk[..(4 * part.Length)]);
        }

        Span<byte> hash = stackalloc byte[32];
        sha.GetHashAndReset(hash);
        return Convert.ToHexStringLower(hash);
    }
}
