using System.Buffers.Binary;
using System.Runtime.InteropServices;
using MemoryPlatform.ModelCore.SafeTensors;

namespace MemoryPlatform.ModelCore.Tests.SafeTensors;

/// <summary>Reads Fixtures/reference.safetensors, written byte by byte from the spec by Fixtures/make_safetensors_fixture.py.</summary>
public class SafeTensorsFixtureTests
{
    private static readonly string FixturePath = Path.Combine(AppContext.BaseDirectory, "Fixtures", "reference.safetensors");

    [Fact]
    public void Reads_the_python_written_reference_file()
    {
        using var file = SafeTensorsFile.Open(FixturePath);

        Assert.Equal("pt", file.Metadata["format"]);
        Assert.Equal(11, file.Tensors.Count);

        Assert.Equal(Math.PI, BinaryPrimitives.ReadDoubleLittleEndian(file.GetSpan("scalar.f64")));
        Assert.Empty(file["scalar.f64"].Shape);

        Assert.Equal(new long[] { -1, 1L << 40 }, MemoryMarshal.Cast<byte, long>(file.GetSpan("ids.i64")).ToArray());

        var q = file["model.layers.0.self_attn.q_proj.weight"];
        Assert.Equal(new long[] { 2, 3 }, q.Shape);
        Assert.Equal(new[] { 0.5f, -1.25f, 3.0f, 1e-3f, -0.0f, 65504.0f }, MemoryMarshal.Cast<byte, float>(file.GetSpan(q)).ToArray());

        Assert.Equal(new[] { 7, -8, int.MaxValue }, MemoryMarshal.Cast<byte, int>(file.GetSpan("counts.i32")).ToArray());

        Assert.Equal(new long[] { 0, 4 }, file["empty.f32"].Shape);
        Assert.Equal(0, file["empty.f32"].ByteLength);

        Assert.Equal(new[] { (Half)1.0, (Half)(-2.5) }, MemoryMarshal.Cast<byte, Half>(file.GetSpan("half.f16")).ToArray());

        // bf16 is the top half of an fp32.
        var bf16 = MemoryMarshal.Cast<byte, ushort>(file.GetSpan("brain.bf16")).ToArray()
            .Select(bits => BitConverter.Int32BitsToSingle(bits << 16)).ToArray();
        Assert.Equal(new[] { 1.0f, -2.0f, 0.15625f }, bf16);

        Assert.Equal(new short[] { -32768, 12345 }, MemoryMarshal.Cast<byte, short>(file.GetSpan("short.i16")).ToArray());
        Assert.Equal(new sbyte[] { -128, 127 }, MemoryMarshal.Cast<byte, sbyte>(file.GetSpan("bytes.i8")).ToArray());
        Assert.Equal(new byte[] { 0, 255 }, file.GetSpan("bytes.u8").ToArray());
        Assert.Equal(SafeDType.BOOL, file["mask.bool"].DType);
        Assert.Equal(new byte[] { 1, 0, 1 }, file.GetSpan("mask.bool").ToArray());
    }

    [Fact]
    public void Our_writer_reproduces_the_reference_file_byte_for_byte()
    {
        using var reference = SafeTensorsFile.Open(FixturePath);
        var writer = new SafeTensorsWriter(reference.Metadata);
        // The script writes the data buffer in this order (widest dtype first); replay it.
        foreach (var info in reference.Tensors.Values.OrderBy(t => t.Offset).ThenBy(t => t.ByteLength))
            writer.Add(info.Name, info.DType, info.Shape, reference.GetSpan(info));

        var header = writer.BuildHeader();
        var original = File.ReadAllBytes(FixturePath);
        Assert.Equal(original.AsSpan(8, (int)reference.HeaderLength).ToArray(), header);
    }
}
