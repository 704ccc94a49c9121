using System.Buffers.Binary;
using System.Text;
using MemoryPlatform.ModelCore.SafeTensors;
using MemoryPlatform.ModelCore.Tests.TestSupport;

namespace MemoryPlatform.ModelCore.Tests.SafeTensors;

public class SafeTensorsRoundTripTests
{
    private static readonly (string Name, SafeDType DType, long[] Shape)[] Cases =
    [
        ("model.embed_tokens.weight", SafeDType.BF16, [7, 5]),
        ("f32.matrix", SafeDType.F32, [3, 4]),
        ("f16.vector", SafeDType.F16, [9]),
        ("f64.cube", SafeDType.F64, [2, 2, 2]),
        ("i64.ids", SafeDType.I64, [5]),
        ("i32.ids", SafeDType.I32, [3]),
        ("i16.ids", SafeDType.I16, [1, 3]),
        ("i8.q", SafeDType.I8, [11]),
        ("u8.bytes", SafeDType.U8, [13]),
        ("mask", SafeDType.BOOL, [6]),
        ("scalar", SafeDType.F32, []),
        ("empty", SafeDType.F16, [0, 128]),
        ("also.empty", SafeDType.I64, [4, 0]),
    ];

    [Fact]
    public void Round_trip_is_bit_exact_for_every_dtype_scalar_and_zero_size()
    {
        using var dir = new TempDirectory();
        var rng = new Random(1234);
        var writer = new SafeTensorsWriter(new Dictionary<string, string> { ["format"] = "pt", ["note"] = "round trip ü" });
        var expected = new Dictionary<string, byte[]>();
        foreach (var (name, dtype, shape) in Cases)
        {
            var bytes = new byte[shape.Aggregate(1L, (a, d) => a * d) * dtype.ElementSize()];
            rng.NextBytes(bytes);
            expected[name] = bytes;
            writer.Add(name, dtype, shape, bytes);
        }
        writer.Save(dir.File("m.safetensors"));

        using var file = SafeTensorsFile.Open(dir.File("m.safetensors"));
        Assert.Equal(Cases.Length, file.Tensors.Count);
        foreach (var (name, dtype, shape) in Cases)
        {
            var info = file[name];
            Assert.Equal(dtype, info.DType);
            Assert.Equal(shape, info.Shape);
            Assert.Equal(expected[name], file.GetSpan(info).ToArray());
        }
        Assert.Equal("pt", file.Metadata["format"]);
        Assert.Equal("round trip ü", file.Metadata["note"]);
        Assert.Equal(1L, file["scalar"].ElementCount);
        Assert.Equal(0L, file["empty"].ByteLength);
    }

    [Fact]
    public void Header_is_sorted_padded_to_8_and_data_follows_in_insertion_order()
    {
        using var dir = new TempDirectory();
        var path = dir.File("m.safetensors");
        new SafeTensorsWriter(new Dictionary<string, string> { ["format"] = "pt" })
            .Add("zeta", SafeDType.U8, [3], [1, 2, 3])
            .Add("alpha", SafeDType.U8, [2], [4, 5])
            .Save(path);

        var raw = File.ReadAllBytes(path);
        long n = (long)BinaryPrimitives.ReadUInt64LittleEndian(raw);
        Assert.Equal(0, (8 + n) % 8);
        var json = Encoding.UTF8.GetString(raw, 8, (int)n);
        Assert.Equal(
            """{"__metadata__":{"format":"pt"},"alpha":{"dtype":"U8","shape":[2],"data_offsets":[3,5]},"zeta":{"dtype":"U8","shape":[3],"data_offsets":[0,3]}}""",
            json.TrimEnd(' '));
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5 }, raw[(int)(8 + n)..]);
    }

    [Fact]
    public void Stream_and_callback_sources_write_the_same_bytes()
    {
        using var dir = new TempDirectory();
        var data = Enumerable.Range(0, 64).Select(i => (byte)i).ToArray();
        new SafeTensorsWriter()
            .Add("from.stream", SafeDType.F32, [16], new MemoryStream(data))
            .Add("from.callback", SafeDType.BF16, [4, 8], s => s.Write(data))
            .Save(dir.File("m.safetensors"));

        using var file = SafeTensorsFile.Open(dir.File("m.safetensors"));
        Assert.Equal(data, file.GetSpan("from.stream").ToArray());
        Assert.Equal(data, file.GetSpan("from.callback").ToArray());
    }

    [Fact]
    public void A_failed_save_leaves_neither_target_nor_temp_file()
    {
        using var dir = new TempDirectory();
        var writer = new SafeTensorsWriter().Add("short", SafeDType.F32, [4], s => s.Write(new byte[15]));

        var error = Assert.Throws<InvalidDataException>(() => writer.Save(dir.File("m.safetensors")));
        Assert.Contains("short", error.Message);
        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void Save_replaces_an_existing_file_whole()
    {
        using var dir = new TempDirectory();
        var path = dir.File("m.safetensors");
        new SafeTensorsWriter().Add("old", SafeDType.U8, [1000], new byte[1000]).Save(path);
        new SafeTensorsWriter().Add("new", SafeDType.U8, [1], [42]).Save(path);

        using var file = SafeTensorsFile.Open(path);
        Assert.Equal(["new"], file.Tensors.Keys);
        Assert.Equal(new byte[] { 42 }, file.GetSpan("new").ToArray());
    }

    [Fact]
    public void Writer_rejects_wrong_byte_count_duplicate_and_reserved_names()
    {
        var writer = new SafeTensorsWriter().Add("a", SafeDType.F32, [2], new byte[8]);
        Assert.Throws<ArgumentException>(() => writer.Add("b", SafeDType.F32, [2], new byte[7]));
        Assert.Throws<ArgumentException>(() => writer.Add("a", SafeDType.F32, [2], new byte[8]));
        Assert.Throws<ArgumentException>(() => writer.Add("__metadata__", SafeDType.U8, [0], ReadOnlySpan<byte>.Empty));
        Assert.Throws<ArgumentException>(() => writer.Add("c", SafeDType.U8, [-1], ReadOnlySpan<byte>.Empty));
    }

    [Fact]
    public unsafe void Pointer_and_span_agree_and_die_with_the_file()
    {
        using var dir = new TempDirectory();
        var path = dir.File("m.safetensors");
        new SafeTensorsWriter().Add("w", SafeDType.F32, [2], BitConverter.GetBytes(1.5f).Concat(BitConverter.GetBytes(-2f)).ToArray()).Save(path);

        var file = SafeTensorsFile.Open(path);
        var info = file["w"];
        float* p = (float*)file.GetPointer(info);
        Assert.Equal(1.5f, p[0]);
        Assert.Equal(-2f, p[1]);
        Assert.Equal(0, (long)file.GetPointer(info) % 4);

        using (var other = SafeTensorsFile.Open(path))
            Assert.Throws<ArgumentException>(() => file.GetSpan(other["w"]));

        file.Dispose();
        Assert.Throws<ObjectDisposedException>(() => file.GetSpan(info));
    }
}
