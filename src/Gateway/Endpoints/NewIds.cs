using System.Security.Cryptography;

namespace MemoryPlatform.Gateway.Endpoints;

/// <summary>Generated ids: a kind prefix and 20 random base32 characters (100 bits), valid under RedisIds.</summary>
public static class NewIds
{
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz234567";

    public static string Tenant() => Create("t_");
    public static string Document() => Create("d_");

    private static string Create(string prefix)
    {
        Span<byte> random = stackalloc byte[20];
        RandomNumberGenerator.Fill(random);
        Span<char> chars = stackalloc char[20];
        for (var i = 0; i < chars.Length; i++) chars[i] = Alphabet[random[i] & 31];
        return prefix + new string(chars);
    }
}
