using System.Buffers.Binary;
using System.Text.Json;

namespace MemoryPlatform.ModelCore.SafeTensors;

/// <summary>
/// Parses and validates a safetensors header (https://github.com/huggingface/safetensors, "Format"):
/// 8 bytes little-endian u64 N, then N bytes of UTF-8 JSON
/// <c>{"__metadata__": {str: str}?, name: {"dtype", "shape", "data_offsets": [begin, end]}}</c>,
/// then the byte buffer that data_offsets index into.
/// Invariants after a successful parse: every dtype known, every dim ≥ 0,
/// end − begin = product(shape) × element size, every range inside the file, no two non-empty ranges overlap.
/// Every violation is an <see cref="InvalidDataException"/> naming the source and the tensor.
/// </summary>
public static class SafeTensorsHeader
{
    /// <summary>Same cap as the reference implementation: a header above 100 MB is treated as corrupt.</summary>
    public const long MaxHeaderBytes = 100_000_000;

    public const string MetadataKey = "__metadata__";

    public sealed record Parsed(
        long HeaderLength,
        IReadOnlyDictionary<string, SafeTensorInfo> Tensors,
        IReadOnlyDictionary<string, string> Metadata);

    /// <summary>Reads N from the first 8 bytes and checks it against the file size.</summary>
    public static long ReadHeaderLength(ReadOnlySpan<byte> prefix, long fileLength, string source)
    {
        if (fileLength < 8 || prefix.Length < 8)
            throw new InvalidDataException($"{source}: file is {fileLength} bytes, too short for the 8-byte safetensors header length");
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (n > MaxHeaderBytes)
            throw new InvalidDataException($"{source}: header length {n} exceeds the {MaxHeaderBytes}-byte limit (corrupt or not a safetensors file)");
        if ((long)n > fileLength - 8)
            throw new InvalidDataException($"{source}: header length {n} is larger than the {fileLength - 8} bytes after the length prefix (truncated file?)");
        return (long)n;
    }

    /// <summary>Parses the JSON header bytes; <paramref name="fileLength"/> bounds the data offsets.</summary>
    public static Parsed Parse(ReadOnlySpan<byte> headerJson, long fileLength, string source)
    {
        long headerLength = headerJson.Length;
        long dataStart = 8 + headerLength;
        long dataLength = fileLength - dataStart;
        if (dataLength < 0)
            throw new InvalidDataException($"{source}: header of {headerLength} bytes does not fit in a {fileLength}-byte file");

        JsonDocument doc;
        try
        {
            // JsonDocument copies what it needs; the span may point into a mapping.
            doc = JsonDocument.Parse(headerJson.ToArray(), new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: header is not valid UTF-8 JSON: {e.Message}", e);
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{source}: header JSON must be an object, found {doc.RootElement.ValueKind}");

            var tensors = new Dictionary<string, SafeTensorInfo>(StringComparer.Ordinal);
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            bool sawMetadata = false;
            foreach (var property in doc.RootElement.EnumerateObject())
            {
                if (property.Name == MetadataKey)
                {
                    if (sawMetadata)
                        throw new InvalidDataException($"{source}: '{MetadataKey}' appears twice in the header");
                    sawMetadata = true;
                    ReadMetadata(property.Value, metadata, source);
                    continue;
                }
                if (tensors.ContainsKey(property.Name))
                    throw new InvalidDataException($"{source}: tensor '{property.Name}' appears twice in the header");
                tensors.Add(property.Name, ReadEntry(property.Name, property.Value, dataStart, dataLength, source));
            }
            CheckNoOverlap(tensors.Values, dataStart, source);
            return new Parsed(headerLength, tensors, metadata);
        }
    }

    private static void ReadMetadata(JsonElement element, Dictionary<string, string> metadata, string source)
    {
        if (element.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"{source}: '{MetadataKey}' must be an object of strings, found {element.ValueKind}");
        foreach (var item in element.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
                throw new InvalidDataException($"{source}: metadata '{item.Name}' must be a string, found {item.Value.ValueKind}");
            if (!metadata.TryAdd(item.Name, item.Value.GetString()!))
                throw new InvalidDataException($"{source}: metadata key '{item.Name}' appears twice");
        }
    }

    private static SafeTensorInfo ReadEntry(string name, JsonElement entry, long dataStart, long dataLength, string source)
    {
        string where = $"{source}: tensor '{name}'";
        if (entry.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"{where}: entry must be an object, found {entry.ValueKind}");

        if (!entry.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
            throw new InvalidDataException($"{where}: missing or non-string 'dtype'");
        string dtypeText = dtypeElement.GetString()!;
        if (!SafeDTypeExtensions.TryParseHeaderName(dtypeText, out var dtype))
            throw new InvalidDataException($"{where}: unknown dtype '{dtypeText}' (known: {string.Join(", ", Enum.GetNames<SafeDType>())})");

        if (!entry.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array)
            throw new InvalidDataException($"{where}: missing or non-array 'shape'");
        var shape = new long[shapeElement.GetArrayLength()];
        int axis = 0;
        foreach (var dim in shapeElement.EnumerateArray())
        {
            if (dim.ValueKind != JsonValueKind.Number || !dim.TryGetInt64(out long size) || size < 0)
                throw new InvalidDataException($"{where}: shape[{axis}] = {dim.GetRawText()} is not a non-negative integer");
            shape[axis++] = size;
        }

        if (!entry.TryGetProperty("data_offsets", out var offsetsElement) || offsetsElement.ValueKind != JsonValueKind.Array
            || offsetsElement.GetArrayLength() != 2)
            throw new InvalidDataException($"{where}: 'data_offsets' must be an array [begin, end]");
        long begin = ReadOffset(offsetsElement[0], where, "begin");
        long end = ReadOffset(offsetsElement[1], where, "end");
        if (end < begin)
            throw new InvalidDataException($"{where}: data_offsets end {end} < begin {begin}");
        if (end > dataLength)
            throw new InvalidDataException($"{where}: data_offsets [{begin}, {end}] run past the {dataLength}-byte data buffer (truncated file?)");

        long expected;
        try
        {
            expected = checked(shape.Aggregate(1L, (acc, d) => acc * d) * dtype.ElementSize());
        }
        catch (OverflowException)
        {
            throw new InvalidDataException($"{where}: shape [{string.Join(", ", shape)}] overflows a 64-bit byte count");
        }
        if (end - begin != expected)
            throw new InvalidDataException(
                $"{where}: {end - begin} data bytes but shape [{string.Join(", ", shape)}] × {dtype} ({dtype.ElementSize()} B) needs {expected}");

        return new SafeTensorInfo(name, dtype, shape, dataStart + begin, end - begin);
    }

    private static long ReadOffset(JsonElement element, string where, string which)
    {
        if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt64(out long value) || value < 0)
            throw new InvalidDataException($"{where}: data_offsets {which} = {element.GetRawText()} is not a non-negative integer in range");
        return value;
    }

    private static void CheckNoOverlap(IEnumerable<SafeTensorInfo> tensors, long dataStart, string source)
    {
        // Empty tensors occupy no bytes and cannot overlap anything.
        SafeTensorInfo? previous = null;
        foreach (var t in tensors.Where(t => t.ByteLength > 0).OrderBy(t => t.Offset).ThenBy(t => t.ByteLength))
        {
            if (previous is not null && t.Offset < previous.Offset + previous.ByteLength)
                throw new InvalidDataException(
                    $"{source}: tensor '{t.Name}' [{t.Offset - dataStart}, {t.Offset - dataStart + t.ByteLength}) overlaps tensor " +
                    $"'{previous.Name}' [{previous.Offset - dataStart}, {previous.Offset - dataStart + previous.ByteLength})");
            if (previous is null || t.Offset + t.ByteLength > previous.Offset + previous.ByteLength)
                previous = t;
        }
    }
}
