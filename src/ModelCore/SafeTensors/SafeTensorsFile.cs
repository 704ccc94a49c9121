using System.IO.MemoryMappedFiles;

namespace MemoryPlatform.ModelCore.SafeTensors;

/// <summary>
/// A safetensors file mapped read-only. The header is validated on open (<see cref="SafeTensorsHeader"/>),
/// so every pointer or span handed out lies inside the mapping. Pointers and spans are valid until Dispose.
/// </summary>
public sealed unsafe class SafeTensorsFile : IDisposable
{
    private readonly MemoryMappedFile _mapping;
    private readonly MemoryMappedViewAccessor _view;
    private byte* _base;

    public string Path { get; }
    public long FileLength { get; }
    public long HeaderLength { get; }
    public IReadOnlyDictionary<string, SafeTensorInfo> Tensors { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }

    private SafeTensorsFile(string path, long fileLength, MemoryMappedFile mapping, MemoryMappedViewAccessor view,
        byte* basePointer, SafeTensorsHeader.Parsed header)
    {
        Path = path;
        FileLength = fileLength;
        _mapping = mapping;
        _view = view;
        _base = basePointer;
        HeaderLength = header.HeaderLength;
        Tensors = header.Tensors;
        Metadata = header.Metadata;
    }

    public static SafeTensorsFile Open(string path)
    {
        var fullPath = System.IO.Path.GetFullPath(path);
        var stream = new FileStream(fullPath, FileMode.Open, FileAccess.Read, FileShare.Read);
        long length = stream.Length;
        if (length < 8)
        {
            // An empty file cannot even be mapped; report the format error rather than the mapping error.
            stream.Dispose();
            throw new InvalidDataException($"{fullPath}: file is {length} bytes, too short for the 8-byte safetensors header length");
        }

        MemoryMappedFile? mapping = null;
        MemoryMappedViewAccessor? view = null;
        byte* basePointer = null;
        try
        {
            mapping = MemoryMappedFile.CreateFromFile(stream, mapName: null, capacity: 0,
                MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
            view = mapping.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref basePointer);
            basePointer += view.PointerOffset;

            long headerLength = SafeTensorsHeader.ReadHeaderLength(new ReadOnlySpan<byte>(basePointer, 8), length, fullPath);
            var header = SafeTensorsHeader.Parse(new ReadOnlySpan<byte>(basePointer + 8, checked((int)headerLength)), length, fullPath);
            return new SafeTensorsFile(fullPath, length, mapping, view, basePointer, header);
        }
        catch
        {
            if (basePointer != null)
                view!.SafeMemoryMappedViewHandle.ReleasePointer();
            view?.Dispose();
            if (mapping is null)
                stream.Dispose();
            mapping?.Dispose();
            throw;
        }
    }

    /// <summary>Looks a tensor up by name; the error names the file.</summary>
    public SafeTensorInfo this[string name] =>
        Tensors.TryGetValue(name, out var info)
            ? info
            : throw new KeyNotFoundException($"{Path}: no tensor named '{name}'");

    /// <summary>Pointer to the tensor's first byte inside the mapping (valid while this file is open).</summary>
    public byte* GetPointer(SafeTensorInfo info)
    {
        CheckOwned(info);
        return _base + info.Offset;
    }

    /// <summary>The tensor's bytes as a span; for tensors under 2 GB (use <see cref="GetPointer"/> beyond).</summary>
    public ReadOnlySpan<byte> GetSpan(SafeTensorInfo info)
    {
        CheckOwned(info);
        if (info.ByteLength > int.MaxValue)
            throw new InvalidOperationException($"{Path}: tensor '{info.Name}' is {info.ByteLength} bytes, too large for a span; use GetPointer");
        return new ReadOnlySpan<byte>(_base + info.Offset, (int)info.ByteLength);
    }

    public ReadOnlySpan<byte> GetSpan(string name) => GetSpan(this[name]);

    private void CheckOwned(SafeTensorInfo info)
    {
        ObjectDisposedException.ThrowIf(_base == null, this);
        // Only entries parsed from this header are known to lie inside this mapping.
        if (!Tensors.TryGetValue(info.Name, out var own) || !ReferenceEquals(own, info))
            throw new ArgumentException($"{Path}: tensor info '{info.Name}' does not come from this file", nameof(info));
    }

    public void Dispose()
    {
        if (_base == null)
            return;
        _base = null;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _mapping.Dispose();
    }
}
