using System.Buffers.Binary;
using System.Text;

namespace MemoryPlatform.ModelCore.Tests.SafeTensors;

/// <summary>Builds deliberately broken safetensors files byte by byte.</summary>
internal static class RawSafeTensors
{
    public static void Write(string path, string headerJson, int dataBytes, ulong? headerLengthOverride = null)
    {
        var header = Encoding.UTF8.GetBytes(headerJson);
        var bytes = new byte[8 + header.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, headerLengthOverride ?? (ulong)header.Length);
        header.CopyTo(bytes, 8);
        File.WriteAllBytes(path, bytes);
    }
}
