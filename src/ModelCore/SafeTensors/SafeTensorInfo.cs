namespace MemoryPlatform.ModelCore.SafeTensors;

/// <summary>
/// One tensor entry of a safetensors header. <see cref="Offset"/> is absolute in the file
/// (8 + header length + data_offsets[0]); <see cref="ByteLength"/> = product(Shape) × element size.
/// </summary>
public sealed record SafeTensorInfo(string Name, SafeDType DType, long[] Shape, long Offset, long ByteLength)
{
    /// <summary>Number of elements (1 for a scalar of shape []).</summary>
    public long ElementCount => ByteLength / DType.ElementSize();
}
