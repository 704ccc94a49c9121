using MemoryPlatform.ModelCore.SafeTensors;
using MemoryPlatform.ModelCore.Tests.TestSupport;

namespace MemoryPlatform.ModelCore.Tests.SafeTensors;

/// <summary>Every malformed file must fail with InvalidDataException naming the file (and the tensor, where there is one).</summary>
public class SafeTensorsValidationTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private string Path => _dir.File("bad.safetensors");

    public void Dispose() => _dir.Dispose();

    private InvalidDataException OpenFails()
    {
        var error = Assert.Throws<InvalidDataException>(() => SafeTensorsFile.Open(Path).Dispose());
        Assert.Contains(Path, error.Message);
        return error;
    }

    [Fact]
    public void Empty_file_is_rejected()
    {
        File.WriteAllBytes(Path, []);
        Assert.Contains("too short", OpenFails().Message);
    }

    [Fact]
    public void File_shorter_than_the_length_prefix_is_rejected()
    {
        File.WriteAllBytes(Path, [1, 0, 0]);
        Assert.Contains("too short", OpenFails().Message);
    }

    [Fact]
    public void Header_length_larger_than_file_is_rejected()
    {
        RawSafeTensors.Write(Path, "{}", 0, headerLengthOverride: 64);
        Assert.Contains("header length 64", OpenFails().Message);
    }

    [Fact]
    public void Header_length_over_100MB_is_rejected()
    {
        RawSafeTensors.Write(Path, "{}", 0, headerLengthOverride: 200_000_000);
        Assert.Contains("limit", OpenFails().Message);
    }

    [Fact]
    public void Truncated_data_is_rejected_naming_the_tensor()
    {
        var good = _dir.File("good.safetensors");
        new SafeTensorsWriter().Add("a", SafeDType.F32, [4], new byte[16]).Add("layer.b", SafeDType.F32, [4], new byte[16]).Save(good);
        var bytes = File.ReadAllBytes(good);
        File.WriteAllBytes(Path, bytes[..^5]);

        var message = OpenFails().Message;
        Assert.Contains("'layer.b'", message);
        Assert.Contains("truncated", message);
    }

    [Theory]
    [InlineData("{\"a\": {\"dtype\": \"F32\"")]
    [InlineData("not json at all")]
    [InlineData("{\"a\": 1,}")]
    public void Bad_json_is_rejected(string header)
    {
        RawSafeTensors.Write(Path, header, 0);
        Assert.Contains("JSON", OpenFails().Message);
    }

    [Fact]
    public void Invalid_utf8_is_rejected()
    {
        var bytes = new byte[] { 4, 0, 0, 0, 0, 0, 0, 0, (byte)'"', 0xC3, 0x28, (byte)'"' };
        File.WriteAllBytes(Path, bytes);
        Assert.Contains("JSON", OpenFails().Message);
    }

    [Fact]
    public void Json_that_is_not_an_object_is_rejected()
    {
        RawSafeTensors.Write(Path, "[1, 2]", 0);
        Assert.Contains("object", OpenFails().Message);
    }

    [Fact]
    public void Unknown_dtype_is_rejected_naming_the_tensor()
    {
        RawSafeTensors.Write(Path, """{"w": {"dtype": "F8_E4M3", "shape": [2], "data_offsets": [0, 2]}}""", 2);
        var message = OpenFails().Message;
        Assert.Contains("'w'", message);
        Assert.Contains("F8_E4M3", message);
    }

    [Fact]
    public void Lower_case_dtype_is_unknown()
    {
        RawSafeTensors.Write(Path, """{"w": {"dtype": "f32", "shape": [1], "data_offsets": [0, 4]}}""", 4);
        Assert.Contains("unknown dtype", OpenFails().Message);
    }

    [Fact]
    public void Negative_dimension_is_rejected()
    {
        RawSafeTensors.Write(Path, """{"w": {"dtype": "U8", "shape": [-2], "data_offsets": [0, 0]}}""", 0);
        Assert.Contains("shape[0]", OpenFails().Message);
    }

    [Theory]
    [InlineData("[0, 400]", "run past")]
    [InlineData("[8, 4]", "end 4 < begin 8")]
    [InlineData("[-4, 0]", "begin")]
    [InlineData("[0, 18446744073709551615]", "end")]
    [InlineData("[0]", "data_offsets")]
    public void Offsets_out_of_range_are_rejected(string offsets, string expected)
    {
        RawSafeTensors.Write(Path, $$$"""{"w": {"dtype": "U8", "shape": [4], "data_offsets": {{{offsets}}}}}""", 16);
        var message = OpenFails().Message;
        Assert.Contains("'w'", message);
        Assert.Contains(expected, message);
    }

    [Fact]
    public void Overlapping_tensors_are_rejected_naming_both()
    {
        RawSafeTensors.Write(Path,
            """{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}""", 12);
        var message = OpenFails().Message;
        Assert.Contains("overlaps", message);
        Assert.Contains("'a'", message);
        Assert.Contains("'b'", message);
    }

    [Fact]
    public void A_tensor_inside_another_is_an_overlap()
    {
        RawSafeTensors.Write(Path,
            """{"big": {"dtype": "U8", "shape": [16], "data_offsets": [0, 16]}, "c": {"dtype": "U8", "shape": [2], "data_offsets": [10, 12]}, "d": {"dtype": "U8", "shape": [2], "data_offsets": [16, 18]}}""", 18);
        Assert.Contains("overlaps", OpenFails().Message);
    }

    [Fact]
    public void Zero_size_tensors_at_the_same_offset_do_not_overlap()
    {
        RawSafeTensors.Write(Path,
            """{"a": {"dtype": "U8", "shape": [0], "data_offsets": [2, 2]}, "b": {"dtype": "U8", "shape": [4], "data_offsets": [0, 4]}}""", 4);
        using var file = SafeTensorsFile.Open(Path);
        Assert.Equal(2, file.Tensors.Count);
    }

    [Fact]
    public void Size_mismatch_between_shape_and_offsets_is_rejected()
    {
        RawSafeTensors.Write(Path, """{"w": {"dtype": "BF16", "shape": [3, 2], "data_offsets": [0, 8]}}""", 8);
        var message = OpenFails().Message;
        Assert.Contains("'w'", message);
        Assert.Contains("needs 12", message);
    }

    [Fact]
    public void Shape_whose_byte_count_overflows_is_rejected()
    {
        RawSafeTensors.Write(Path, """{"w": {"dtype": "F64", "shape": [4294967296, 4294967296], "data_offsets": [0, 8]}}""", 8);
        Assert.Contains("overflow", OpenFails().Message);
    }

    [Fact]
    public void Duplicate_tensor_name_is_rejected()
    {
        RawSafeTensors.Write(Path,
            """{"w": {"dtype": "U8", "shape": [1], "data_offsets": [0, 1]}, "w": {"dtype": "U8", "shape": [1], "data_offsets": [1, 2]}}""", 2);
        Assert.Contains("twice", OpenFails().Message);
    }

    [Theory]
    [InlineData("""{"__metadata__": {"format": 1}}""")]
    [InlineData("""{"__metadata__": ["pt"]}""")]
    public void Metadata_must_map_strings_to_strings(string header)
    {
        RawSafeTensors.Write(Path, header, 0);
        Assert.Contains("metadata", OpenFails().Message);
    }

    [Fact]
    public void Entry_missing_fields_is_rejected()
    {
        RawSafeTensors.Write(Path, """{"w": {"dtype": "U8", "data_offsets": [0, 1]}}""", 1);
        Assert.Contains("'shape'", OpenFails().Message);
    }
}
