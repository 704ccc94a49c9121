using System.Text.Encodings.Web;
using System.Text.Json;

namespace MemoryPlatform.ModelCore.SafeTensors;

/// <summary>
/// Writes a safetensors file the way the reference implementation does: header JSON with
/// <c>__metadata__</c> first and tensor names sorted, padded with spaces to a multiple of 8 so the data
/// buffer starts 8-aligned, then the tensors' bytes back to back in the order they were added
/// (no gaps: the reference reader rejects holes). The file appears atomically (temp file, then rename).
/// </summary>
public sealed class SafeTensorsWriter
{
    private abstract record Source;
    private sealed record BytesSource(byte[] Bytes) : Source;
    private sealed record StreamSource(Stream Stream) : Source;
    private sealed record CallbackSource(Action<Stream> Write) : Source;

    private sealed record Entry(string Name, SafeDType DType, long[] Shape, long ByteLength, Source Data);

    private readonly List<Entry> _entries = [];
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, string> _metadata = new(StringComparer.Ordinal);

    public SafeTensorsWriter(IReadOnlyDictionary<string, string>? metadata = null)
    {
        if (metadata is not null)
            foreach (var (key, value) in metadata)
                _metadata[key] = value;
    }

    public int Count => _entries.Count;

    /// <summary>Adds a tensor whose bytes are copied now.</summary>
    public SafeTensorsWriter Add(string name, SafeDType dtype, ReadOnlySpan<long> shape, ReadOnlySpan<byte> data)
    {
        long byteLength = CheckEntry(name, dtype, shape);
        if (data.Length != byteLength)
            throw new ArgumentException($"tensor '{name}': {data.Length} bytes given, shape [{string.Join(", ", shape.ToArray())}] × {dtype} needs {byteLength}", nameof(data));
        return AddEntry(new Entry(name, dtype, shape.ToArray(), byteLength, new BytesSource(data.ToArray())));
    }

    /// <summary>Adds a tensor read from <paramref name="data"/> at Save time; it must hold exactly the tensor's bytes from its current position.</summary>
    public SafeTensorsWriter Add(string name, SafeDType dtype, ReadOnlySpan<long> shape, Stream data)
    {
        ArgumentNullException.ThrowIfNull(data);
        long byteLength = CheckEntry(name, dtype, shape);
        return AddEntry(new Entry(name, dtype, shape.ToArray(), byteLength, new StreamSource(data)));
    }

    /// <summary>
    /// Adds a tensor written by a callback at Save time (no copy: a native tensor can write straight from its
    /// memory). The callback must write exactly the tensor's byte count.
    /// </summary>
    public SafeTensorsWriter Add(string name, SafeDType dtype, ReadOnlySpan<long> shape, Action<Stream> writeData)
    {
        ArgumentNullException.ThrowIfNull(writeData);
        long byteLength = CheckEntry(name, dtype, shape);
        return AddEntry(new Entry(name, dtype, shape.ToArray(), byteLength, new CallbackSource(writeData)));
    }

    private SafeTensorsWriter AddEntry(Entry entry)
    {
        _entries.Add(entry);
        _names.Add(entry.Name);
        return this;
    }

    private long CheckEntry(string name, SafeDType dtype, ReadOnlySpan<long> shape)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name == SafeTensorsHeader.MetadataKey)
            throw new ArgumentException($"'{SafeTensorsHeader.MetadataKey}' is reserved and cannot name a tensor", nameof(name));
        if (_names.Contains(name))
            throw new ArgumentException($"tensor '{name}' was already added", nameof(name));
        long count = 1;
        foreach (long dim in shape)
        {
            if (dim < 0)
                throw new ArgumentException($"tensor '{name}': negative dimension {dim}", nameof(shape));
            count = checked(count * dim);
        }
        return checked(count * dtype.ElementSize());
    }

    /// <summary>The header bytes (JSON plus space padding to a multiple of 8), without the length prefix.</summary>
    public byte[] BuildHeader()
    {
        var offsets = new Dictionary<string, (long Begin, long End)>(StringComparer.Ordinal);
        long cursor = 0;
        foreach (var e in _entries)
        {
            offsets[e.Name] = (cursor, cursor + e.ByteLength);
            cursor += e.ByteLength;
        }

        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            if (_metadata.Count > 0)
            {
                json.WriteStartObject(SafeTensorsHeader.MetadataKey);
                foreach (var (key, value) in _metadata)
                    json.WriteString(key, value);
                json.WriteEndObject();
            }
            foreach (var e in _entries.OrderBy(e => e.Name, StringComparer.Ordinal))
            {
                json.WriteStartObject(e.Name);
                json.WriteString("dtype", e.DType.HeaderName());
                json.WriteStartArray("shape");
                foreach (long dim in e.Shape)
                    json.WriteNumberValue(dim);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offsets[e.Name].Begin);
                json.WriteNumberValue(offsets[e.Name].End);
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }
        int padding = (int)((8 - buffer.Length % 8) % 8);
        for (int i = 0; i < padding; i++)
            buffer.WriteByte((byte)' ');
        return buffer.ToArray();
    }

    /// <summary>Writes the file atomically: a temp file in the same directory, flushed, then renamed over <paramref name="path"/>.</summary>
    public void Save(string path)
    {
        var fullPath = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(fullPath)!;
        Directory.CreateDirectory(directory);
        var temp = Path.Combine(directory, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 20))
            {
                byte[] header = BuildHeader();
                Span<byte> prefix = stackalloc byte[8];
                System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
                file.Write(prefix);
                file.Write(header);
                foreach (var e in _entries)
                    WriteData(file, e);
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, fullPath, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    private static void WriteData(FileStream file, Entry e)
    {
        long before = file.Position;
        switch (e.Data)
        {
            case BytesSource b:
                file.Write(b.Bytes);
                break;
            case StreamSource s:
                CopyExactly(s.Stream, file, e);
                break;
            case CallbackSource c:
                c.Write(file);
                break;
        }
        long written = file.Position - before;
        if (written != e.ByteLength)
            throw new InvalidDataException($"tensor '{e.Name}': {written} bytes written, shape [{string.Join(", ", e.Shape)}] × {e.DType} needs {e.ByteLength}");
    }

    private static void CopyExactly(Stream source, Stream target, Entry e)
    {
        var chunk = new byte[(int)Math.Min(1 << 20, Math.Max(1, e.ByteLength))];
        long left = e.ByteLength;
        while (left > 0)
        {
            int read = source.Read(chunk, 0, (int)Math.Min(chunk.Length, left));
            if (read == 0)
                throw new InvalidDataException($"tensor '{e.Name}': stream ended {left} bytes short of {e.ByteLength}");
            target.Write(chunk, 0, read);
            left -= read;
        }
        if (source.ReadByte() != -1)
            throw new InvalidDataException($"tensor '{e.Name}': stream holds more than the {e.ByteLength} bytes its shape needs");
    }
}
