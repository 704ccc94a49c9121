using System.Buffers.Binary;
using System.Security.Cryptography;
using MemoryPlatform.ModelCore.Icae;

namespace MemoryPlatform.ModelCore.Tests.Icae;

public class SlotBlobTests
{
    private static readonly ModelFingerprint Fp = ModelFingerprint.Of("tiny-llama@1", "icae-adapter@1");
    private static readonly ModelFingerprint OtherFp = ModelFingerprint.Of("tiny-llama@1", "icae-adapter@2");

    /// <summary>Values spread over many binades, both signs, with some exact zeros.</summary>
    private static float[] RandomSlots(int rows, int dim, int seed)
    {
        var rng = new Random(seed);
        var v = new float[rows * dim];
        for (int i = 0; i < v.Length; i++)
        {
            if (rng.Next(50) == 0) continue; // 0
            double mag = Math.Pow(10, rng.NextDouble() * 7 - 4); // 1e-4 .. 1e3
            v[i] = (float)(rng.Next(2) == 0 ? mag : -mag);
        }
        return v;
    }

    /// <summary>Rewrites the header checksum (of the blob's own format version) after a test edits the blob on purpose.</summary>
    private static void Reseal(byte[] blob) =>
        BinaryPrimitives.WriteUInt64LittleEndian(blob.AsSpan(56), SlotBlob.Checksum(blob, BinaryPrimitives.ReadUInt16LittleEndian(blob.AsSpan(4))));

    private static InvalidDataException Refused(ReadOnlySpan<byte> blob, string messagePart)
    {
        InvalidDataException? caught = null;
        try { SlotBlob.Decode(blob, Fp); }
        catch (InvalidDataException e) { caught = e; }
        Assert.NotNull(caught);
        Assert.Contains(messagePart, caught!.Message, StringComparison.OrdinalIgnoreCase);
        return caught;
    }

    // ---- round trips ----

    [Fact]
    public void Float16_round_trip_is_within_half_an_ulp()
    {
        const int rows = 64, dim = 96;
        var x = RandomSlots(rows, dim, seed: 1);
        var blob = SlotBlob.Encode(x, rows, dim, SlotDType.Float16, Fp);
        var m = SlotBlob.Decode(blob, Fp);

        Assert.Equal((rows, dim, SlotDType.Float16), (m.Rows, m.Dim, m.DType));
        Assert.Equal(x.Length, m.Values.Length);
        const double unitRoundoff = 1.0 / 2048; // 2^-11 = fp16 epsilon / 2 (round to nearest)
        const double minNormal = 1.0 / 16384;   // 2^-14
        for (int i = 0; i < x.Length; i++)
        {
            double err = Math.Abs((double)m.Values[i] - x[i]);
            if (Math.Abs(x[i]) >= minNormal)
                Assert.True(err <= unitRoundoff * Math.Abs(x[i]), $"value {i}: {x[i]} -> {m.Values[i]}");
            else
                Assert.True(err <= Math.Pow(2, -25), $"subnormal value {i}: {x[i]} -> {m.Values[i]}");
        }
    }

    [Fact]
    public void Float16_rounds_to_nearest_even()
    {
        float ulp = MathF.Pow(2, -10); // spacing of fp16 in [1, 2)
        float[] x = [1 + ulp / 2, 1 + 3 * ulp / 2, -(1 + ulp / 2), 65504f, -0.0f, 1 + ulp * 0.501f];
        var m = SlotBlob.Decode(SlotBlob.Encode(x, 1, x.Length, Fp), Fp);
        Assert.Equal(1f, m.Values[0]);              // tie -> even (1.0)
        Assert.Equal(1 + 2 * ulp, m.Values[1]);     // tie -> even (1 + 2ulp)
        Assert.Equal(-1f, m.Values[2]);
        Assert.Equal(65504f, m.Values[3]);          // fp16 max is representable
        Assert.True(m.Values[4] == 0 && float.IsNegative(m.Values[4]));
        Assert.Equal(1 + ulp, m.Values[5]);         // just above the tie rounds up
    }

    [Fact]
    public void Int8_round_trip_is_within_half_a_step_per_row()
    {
        const int rows = 40, dim = 77;
        var x = RandomSlots(rows, dim, seed: 2);
        // Rows with a special shape: all zero, a single non-zero, constant, huge, tiny.
        Array.Clear(x, 3 * dim, dim);
        Array.Clear(x, 4 * dim, dim); x[4 * dim + 5] = -2.5f;
        x.AsSpan(5 * dim, dim).Fill(0.125f);
        for (int j = 0; j < dim; j++) x[6 * dim + j] = 1e30f * MathF.Sin(j + 1);
        for (int j = 0; j < dim; j++) x[7 * dim + j] = 1e-30f * MathF.Cos(j);

        var blob = SlotBlob.Encode(x, rows, dim, SlotDType.Int8, Fp);
        var m = SlotBlob.Decode(blob, Fp);
        Assert.Equal((rows, dim, SlotDType.Int8), (m.Rows, m.Dim, m.DType));

        for (int r = 0; r < rows; r++)
        {
            float maxAbs = 0;
            for (int j = 0; j < dim; j++) maxAbs = MathF.Max(maxAbs, MathF.Abs(x[r * dim + j]));
            float storedScale = Int8Scale(blob, rows, dim, r);
            // Never coarser than plain per-row scaling, whatever the other rows (here 1e30 beside 1e-30) hold.
            Assert.True(storedScale <= (float)(maxAbs / 127.0), $"row {r}: scale {storedScale} for max {maxAbs}");
            for (int j = 0; j < dim; j++)
            {
                double err = Math.Abs((double)m.Values[r * dim + j] - x[r * dim + j]);
                double bound = storedScale / 2.0 * (1 + 1e-6) + Math.Abs(x[r * dim + j]) * 1e-7 + 1e-45;   // + float32 rounding
                Assert.True(err <= bound, $"row {r} col {j}: {x[r * dim + j]} -> {m.Values[r * dim + j]} (scale {storedScale})");
            }
        }
        // The all-zero row has scale 0 and decodes to exact zeros.
        Assert.Equal(0f, Int8Scale(blob, rows, dim, 3));
        Assert.All(m.Row(3).ToArray(), v => Assert.Equal(0f, v));
        // A row's largest magnitude maps to ±127 and comes back to (nearly) itself.
        Assert.Equal(-2.5f, m.Values[4 * dim + 5], 1e-6f);
        Assert.Equal(0.125f, m.Values[5 * dim], 1e-7f);
    }

    /// <summary>Row r's int8 scale in a version-3 blob: after dim binary16 direction values and rows weights.</summary>
    private static float Int8Scale(byte[] blob, int rows, int dim, int r) =>
        BinaryPrimitives.ReadSingleLittleEndian(blob.AsSpan(SlotBlob.HeaderSize + 2 * dim + 4 * (rows + r)));

    [Fact]
    public void Int8_quantizes_symmetrically_with_round_half_even()
    {
        // Two opposite rows: the column means are 0, so each row is quantized on its own.
        // max = 127 -> scale 1; 0.5 -> 0, 1.5 -> 2, 2.5 -> 2, -0.5 -> 0, -1.5 -> -2
        float[] row = [127f, 0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -127f, 3.49f];
        float[] x = [.. row, .. row.Select(v => -v)];
        var blob = SlotBlob.Encode(x, 2, row.Length, SlotDType.Int8, Fp);
        Assert.Equal(1f, Int8Scale(blob, 2, row.Length, 0));
        var q = blob.AsSpan(SlotBlob.HeaderSize + 2 * row.Length + 4 * 4, row.Length).ToArray().Select(b => (sbyte)b).ToArray();
        Assert.Equal(new sbyte[] { 127, 0, 2, 2, 0, -2, -127, 3 }, q);
    }

    /// <summary>Slot-like rows: a direction every row shares (the final norm's outlier channels), its weight varying by
    /// row, plus a row-specific part, as the shipped encoder's slots are.</summary>
    private static float[] SlotLikeRows(int rows, int dim, int seed)
    {
        var rng = new Random(seed);
        var common = Enumerable.Range(0, dim).Select(j => (j % 37 == 0 ? 4.0 : 1.0) * (rng.NextDouble() * 2 - 1)).ToArray();
        var x = new float[rows * dim];
        for (int r = 0; r < rows; r++)
        {
            var weight = 0.5 + rng.NextDouble();
            for (int j = 0; j < dim; j++) x[r * dim + j] = (float)(weight * common[j] + 0.4 * (rng.NextDouble() * 2 - 1));
        }
        return x;
    }

    [Fact]
    public void Int8_keeps_the_common_direction_out_of_the_quantization_error()
    {
        const int rows = 128, dim = 256;
        var x = SlotLikeRows(rows, dim, seed: 3);
        var decoded = SlotBlob.Decode(SlotBlob.Encode(x, rows, dim, SlotDType.Int8, Fp), Fp).Values;
        double error = 0, plainError = 0;
        for (int r = 0; r < rows; r++)
        {
            var row = x.AsSpan(r * dim, dim);
            var step = row.ToArray().Max(MathF.Abs) / 127.0;
            for (int j = 0; j < dim; j++)
            {
                error += Math.Pow(decoded[r * dim + j] - row[j], 2);
                plainError += Math.Pow(Math.Round(row[j] / step, MidpointRounding.ToEven) * step - row[j], 2);   // version 2's int8
            }
        }
        Assert.True(error < plainError / 4, $"squared error {error:G3} against {plainError:G3} with row scales alone");
    }

    // ---- sizes and header ----

    [Fact]
    public void Sizes_match_the_layout()
    {
        Assert.Equal(64, SlotBlob.HeaderSize);
        Assert.Equal((1L << 20) + 64, SlotBlob.SizeOf(128, 4096, SlotDType.Float16));            // 1 MiB + header
        Assert.Equal((1L << 19) + 4096 * 2 + 128 * 8 + 64, SlotBlob.SizeOf(128, 4096, SlotDType.Int8));  // half + direction + 8 B/row
        Assert.Equal(64 + 2L * 65536 * 65536, SlotBlob.SizeOf(65536, 65536, SlotDType.Float16)); // no int overflow
        Assert.Throws<ArgumentOutOfRangeException>(() => SlotBlob.SizeOf(0, 4096, SlotDType.Float16));
        Assert.Throws<ArgumentOutOfRangeException>(() => SlotBlob.SizeOf(128, 65537, SlotDType.Int8));

        var x = new float[128 * 4096];
        for (int i = 0; i < x.Length; i++) x[i] = (i % 1000) / 100f - 5f;
        var f16 = SlotBlob.Encode(x, 128, 4096, SlotDType.Float16, Fp);
        var i8 = SlotBlob.Encode(x, 128, 4096, SlotDType.Int8, Fp);
        Assert.Equal(SlotBlob.SizeOf(128, 4096, SlotDType.Float16), f16.Length);
        Assert.Equal(SlotBlob.SizeOf(128, 4096, SlotDType.Int8), i8.Length);
        Assert.Equal(128 * 4096, SlotBlob.Decode(f16, Fp).Values.Length);
        Assert.Equal(128 * 4096, SlotBlob.Decode(i8, Fp).Values.Length);
    }

    [Fact]
    public void Header_is_readable_from_its_first_64_bytes_alone()
    {
        var blob = SlotBlob.Encode(RandomSlots(16, 32, 4), 16, 32, SlotDType.Int8, Fp);
        Assert.Equal("MPSL"u8.ToArray(), blob[..4]);
        var h = SlotBlob.ReadHeader(blob.AsSpan(0, SlotBlob.HeaderSize));
        Assert.Equal(SlotBlob.FormatVersion, h.Version);
        Assert.Equal(SlotDType.Int8, h.DType);
        Assert.Equal((16, 32), (h.Rows, h.Dim));
        Assert.Equal(Fp, h.Fingerprint);
        Assert.Equal(32 * 2 + 2 * 16 * 4 + 16 * 32, h.PayloadLength);   // direction, weights and scales, bytes
        Assert.Equal(blob.Length, h.TotalLength);
        Assert.Equal(SlotBlob.ReadHeader(blob), h);
    }

    [Fact]
    public void Encoding_is_deterministic()
    {
        var x = RandomSlots(8, 16, 5);
        Assert.Equal(SlotBlob.Encode(x, 8, 16, Fp), SlotBlob.Encode(x, 8, 16, SlotDType.Float16, Fp));
        Assert.Equal(SlotBlob.Encode(x, 8, 16, SlotDType.Int8, Fp), SlotBlob.Encode(x, 8, 16, SlotDType.Int8, Fp));
    }

    // ---- Encode refuses garbage ----

    [Theory]
    [InlineData(SlotDType.Float16, float.NaN)]
    [InlineData(SlotDType.Float16, float.PositiveInfinity)]
    [InlineData(SlotDType.Float16, float.NegativeInfinity)]
    [InlineData(SlotDType.Int8, float.NaN)]
    [InlineData(SlotDType.Int8, float.PositiveInfinity)]
    [InlineData(SlotDType.Int8, float.NegativeInfinity)]
    public void Encode_refuses_non_finite_values(SlotDType dtype, float bad)
    {
        var x = RandomSlots(4, 8, 6);
        x[13] = bad;
        var e = Assert.Throws<ArgumentException>(() => SlotBlob.Encode(x, 4, 8, dtype, Fp));
        Assert.Contains("finite", e.Message);
        Assert.Contains("13", e.Message);
    }

    [Fact]
    public void Encode_refuses_values_that_overflow_float16_but_int8_takes_them()
    {
        float[] x = [1f, 70000f];
        var e = Assert.Throws<ArgumentException>(() => SlotBlob.Encode(x, 1, 2, SlotDType.Float16, Fp));
        Assert.Contains("float16", e.Message);
        var m = SlotBlob.Decode(SlotBlob.Encode(x, 1, 2, SlotDType.Int8, Fp), Fp);
        Assert.Equal(70000f, m.Values[1], 1f);
    }

    [Fact]
    public void Encode_refuses_bad_shapes_and_dtypes()
    {
        var x = new float[12];
        Assert.Throws<ArgumentException>(() => SlotBlob.Encode(x, 3, 5, Fp));
        Assert.Throws<ArgumentOutOfRangeException>(() => SlotBlob.Encode(x, 0, 12, Fp));
        Assert.Throws<ArgumentOutOfRangeException>(() => SlotBlob.Encode(x, -3, -4, Fp));
        Assert.Throws<ArgumentOutOfRangeException>(() => SlotBlob.Encode(x, 1, 65537, Fp));
        Assert.Throws<ArgumentOutOfRangeException>(() => SlotBlob.Encode(x, 3, 4, (SlotDType)9, Fp));
    }

    // ---- Decode refuses ----

    [Fact]
    public void Decode_refuses_blobs_shorter_than_the_header()
    {
        Refused([], "truncated");
        Refused(new byte[63], "truncated");
    }

    [Theory]
    [InlineData(SlotDType.Float16)]
    [InlineData(SlotDType.Int8)]
    public void Decode_refuses_truncation_at_every_97th_byte(SlotDType dtype)
    {
        var blob = SlotBlob.Encode(RandomSlots(12, 40, 7), 12, 40, dtype, Fp);
        int tried = 0;
        for (int n = 0; n < blob.Length; n += 97, tried++)
        {
            var e = Refused(blob.AsSpan(0, n), "truncated");
            Assert.IsType<InvalidDataException>(e);
        }
        Refused(blob.AsSpan(0, blob.Length - 1), "truncated");
        Assert.True(tried > 5);
    }

    [Fact]
    public void Decode_refuses_trailing_bytes()
    {
        var blob = SlotBlob.Encode(RandomSlots(2, 8, 8), 2, 8, Fp);
        Refused(blob.Concat(new byte[] { 0 }).ToArray(), "trailing");
    }

    [Fact]
    public void Decode_refuses_bad_magic()
    {
        var blob = SlotBlob.Encode(RandomSlots(2, 8, 9), 2, 8, Fp);
        blob[0] = (byte)'X';
        Refused(blob, "magic");
        Assert.Throws<InvalidDataException>(() => SlotBlob.ReadHeader(blob));
    }

    [Fact]
    public void Decode_refuses_unknown_version_dtype_and_reserved_byte()
    {
        var good = SlotBlob.Encode(RandomSlots(2, 8, 10), 2, 8, Fp);

        var b = (byte[])good.Clone();
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(4), 4);
        Refused(b, "version 4");

        b = (byte[])good.Clone();
        b[6] = 7;
        Refused(b, "dtype code 7");

        b = (byte[])good.Clone();
        b[7] = 1;
        Refused(b, "reserved");
    }

    [Theory]
    [InlineData(0u, 8u, "row count 0")]
    [InlineData(65537u, 8u, "row count 65537")]
    [InlineData(uint.MaxValue, 8u, "row count")]
    [InlineData(2u, 0u, "dim 0")]
    [InlineData(2u, 70000u, "dim 70000")]
    public void Decode_refuses_implausible_shapes(uint rows, uint dim, string message)
    {
        var blob = SlotBlob.Encode(RandomSlots(2, 8, 11), 2, 8, Fp);
        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(8), rows);
        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(12), dim);
        Refused(blob, message);
    }

    [Fact]
    public void Decode_refuses_a_payload_length_that_does_not_match_the_shape()
    {
        var blob = SlotBlob.Encode(RandomSlots(2, 8, 12), 2, 8, Fp);
        BinaryPrimitives.WriteUInt64LittleEndian(blob.AsSpan(48), 33);
        Refused(blob, "payload length 33");

        // Shape edited to another valid shape with the same element count: length still disagrees for int8.
        blob = SlotBlob.Encode(RandomSlots(2, 8, 12), 2, 8, SlotDType.Int8, Fp);
        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(8), 1);
        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(12), 16);
        Refused(blob, "payload length");
    }

    [Theory]
    [InlineData(SlotDType.Float16)]
    [InlineData(SlotDType.Int8)]
    public void Decode_refuses_any_single_flipped_payload_bit(SlotDType dtype)
    {
        var good = SlotBlob.Encode(RandomSlots(6, 20, 13), 6, 20, dtype, Fp);
        var rng = new Random(14);
        var offsets = new List<int> { SlotBlob.HeaderSize, good.Length - 1 };
        for (int i = 0; i < 30; i++) offsets.Add(rng.Next(SlotBlob.HeaderSize, good.Length));
        foreach (int off in offsets)
            for (int bit = 0; bit < 8; bit += 3)
            {
                var b = (byte[])good.Clone();
                b[off] ^= (byte)(1 << bit);
                var e = Refused(b, "checksum mismatch");
                Assert.IsType<InvalidDataException>(e);
            }
    }

    [Fact]
    public void Decode_treats_a_flipped_fingerprint_or_shape_bit_as_corruption_not_as_another_model()
    {
        var good = SlotBlob.Encode(RandomSlots(4, 8, 15), 4, 8, Fp);
        var b = (byte[])good.Clone();
        b[16 + 5] ^= 0x10;
        Assert.IsType<InvalidDataException>(Refused(b, "checksum mismatch"));

        b = (byte[])good.Clone();
        b[56] ^= 1; // the checksum itself
        Assert.IsType<InvalidDataException>(Refused(b, "checksum mismatch"));

        b = (byte[])good.Clone(); // 4x8 -> 8x4 keeps the fp16 payload length
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(8), 8);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(12), 4);
        Assert.IsType<InvalidDataException>(Refused(b, "checksum mismatch"));
    }

    [Fact]
    public void Decode_refuses_a_blob_from_another_model_with_a_distinct_exception()
    {
        var blob = SlotBlob.Encode(RandomSlots(4, 8, 16), 4, 8, SlotDType.Int8, OtherFp);
        var e = Assert.Throws<SlotFingerprintMismatchException>(() => SlotBlob.Decode(blob, Fp));
        Assert.Equal(Fp, e.Expected);
        Assert.Equal(OtherFp, e.Actual);
        Assert.Contains(Fp.ToHex(), e.Message);
        Assert.Contains(OtherFp.ToHex(), e.Message);
        // The same blob decodes under its own fingerprint.
        Assert.Equal(32, SlotBlob.Decode(blob, OtherFp).Values.Length);
    }

    [Fact]
    public void Decode_refuses_non_finite_or_out_of_range_values_even_with_a_valid_checksum()
    {
        var f16 = SlotBlob.Encode(new float[] { 1, 2, 3, 4 }, 1, 4, Fp);
        BinaryPrimitives.WriteHalfLittleEndian(f16.AsSpan(SlotBlob.HeaderSize + 2), Half.NaN);
        Reseal(f16);
        Refused(f16, "finite");
        BinaryPrimitives.WriteHalfLittleEndian(f16.AsSpan(SlotBlob.HeaderSize + 2), Half.NegativeInfinity);
        Reseal(f16);
        Refused(f16, "finite");

        // One row of 4: the binary16 direction at +0, the weight at +8, the scale at +12, the bytes at +16.
        var good = SlotBlob.Encode(new float[] { 1, 2, 3, 4 }, 1, 4, SlotDType.Int8, Fp);
        foreach (var (offset, value, message) in new[]
        {
            (12, -1f, "scale"), (12, float.PositiveInfinity, "scale"), (8, float.NaN, "weight"),
        })
        {
            var i8 = (byte[])good.Clone();
            BinaryPrimitives.WriteSingleLittleEndian(i8.AsSpan(SlotBlob.HeaderSize + offset), value);
            Reseal(i8);
            Refused(i8, message);
        }
        var overflows = (byte[])good.Clone();   // finite parts whose sum is not: q × s + a × u beyond float32
        BinaryPrimitives.WriteSingleLittleEndian(overflows.AsSpan(SlotBlob.HeaderSize + 8), float.MaxValue);
        BinaryPrimitives.WriteSingleLittleEndian(overflows.AsSpan(SlotBlob.HeaderSize + 12), float.MaxValue / 100);
        overflows[SlotBlob.HeaderSize + 16 + 3] = 127;
        Reseal(overflows);
        Refused(overflows, "decodes to");
        foreach (var u in new[] { Half.NaN, Half.NegativeInfinity, (Half)1.5f })
        {
            var i8 = (byte[])good.Clone();
            BinaryPrimitives.WriteHalfLittleEndian(i8.AsSpan(SlotBlob.HeaderSize + 2), u);
            Reseal(i8);
            Refused(i8, "direction");
        }
        var minus128 = (byte[])good.Clone();
        minus128[SlotBlob.HeaderSize + 16] = 0x80;
        Reseal(minus128);
        Refused(minus128, "-128");
    }

    // ---- format versions and the checksum ----

    [Fact]
    public void Float16_blobs_are_written_as_version_2_and_int8_as_version_3_with_an_xxh64_checksum()
    {
        // fp16's layout has not changed since version 2, so silos from before version 3 still read the default format.
        foreach (var (dtype, version) in new[] { (SlotDType.Float16, 2), (SlotDType.Int8, 3) })
        {
            var blob = SlotBlob.Encode(RandomSlots(4, 16, 20), 4, 16, dtype, Fp);
            Assert.Equal(version, BinaryPrimitives.ReadUInt16LittleEndian(blob.AsSpan(4)));
            Assert.Equal(version, SlotBlob.VersionFor(dtype));
            var expected = XxHash64.Hash([.. blob.AsSpan(0, 56), .. blob.AsSpan(SlotBlob.HeaderSize)]);
            Assert.Equal(expected, BinaryPrimitives.ReadUInt64LittleEndian(blob.AsSpan(56)));
        }
    }

    [Fact]
    public void Version_1_blobs_with_a_sha256_checksum_still_decode()
    {
        var x = RandomSlots(3, 8, 21);
        var blob = SlotBlob.Encode(x, 3, 8, Fp);
        BinaryPrimitives.WriteUInt16LittleEndian(blob.AsSpan(4), 1);
        using (var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
        {
            sha.AppendData(blob, 0, 56);
            sha.AppendData(blob, SlotBlob.HeaderSize, blob.Length - SlotBlob.HeaderSize);
            sha.GetHashAndReset().AsSpan(0, 8).CopyTo(blob.AsSpan(56));
        }
        Assert.Equal(SlotBlob.Decode(SlotBlob.Encode(x, 3, 8, Fp), Fp).Values, SlotBlob.Decode(blob, Fp).Values);
        blob[^1] ^= 1;
        Refused(blob, "checksum mismatch");
    }

    [Fact]
    public void Version_2_int8_blobs_with_row_scales_alone_still_decode()
    {
        // Version 2's layout, written by hand: a float32 scale per row, then the bytes; value = q × scale.
        var v3 = SlotBlob.Encode(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3, SlotDType.Int8, Fp);
        var blob = new byte[SlotBlob.HeaderSize + 2 * 4 + 6];
        v3.AsSpan(0, SlotBlob.HeaderSize).CopyTo(blob);
        BinaryPrimitives.WriteUInt16LittleEndian(blob.AsSpan(4), 2);
        BinaryPrimitives.WriteUInt64LittleEndian(blob.AsSpan(48), 2 * 4 + 6);
        BinaryPrimitives.WriteSingleLittleEndian(blob.AsSpan(SlotBlob.HeaderSize), 0.5f);
        BinaryPrimitives.WriteSingleLittleEndian(blob.AsSpan(SlotBlob.HeaderSize + 4), 2f);
        sbyte[] q = [2, 4, 6, -1, 0, 127];
        for (var i = 0; i < q.Length; i++) blob[SlotBlob.HeaderSize + 8 + i] = (byte)q[i];
        Reseal(blob);

        var m = SlotBlob.Decode(blob, Fp);
        Assert.Equal(2, SlotBlob.ReadHeader(blob).Version);
        Assert.Equal(new float[] { 1, 2, 3, -2, 0, 254 }, m.Values);
        blob[^1] ^= 1;
        Refused(blob, "checksum mismatch");
    }

    [Fact]
    public void A_float16_matrix_gives_the_same_values_as_an_array_and_as_a_tensor()
    {
        var x = RandomSlots(4, 8, 22);
        var m = SlotBlob.Decode(SlotBlob.Encode(x, 4, 8, Fp).AsMemory(), Fp);
        using var t = m.ToTensor();
        Assert.Equal([4L, 8], t.Shape);
        Assert.Equal(m.Values, t.ToArray<float>());
        Assert.Equal(m.Values.AsSpan(8, 8).ToArray(), m.Row(1).ToArray());
    }

    [Fact]
    public void A_slot_matrix_needs_rows_times_dim_values() =>
        Assert.Throws<ArgumentException>(() => new SlotMatrix(new float[7], 2, 4, SlotDType.Float16));
}

public class ModelFingerprintTests
{
    [Fact]
    public void Of_is_stable_and_sensitive_to_how_the_parts_are_split()
    {
        var a = ModelFingerprint.Of("ab", "c");
        Assert.Equal(a, ModelFingerprint.Of("ab", "c"));
        Assert.Equal(a, ModelFingerprint.Of("ab"u8.ToArray(), "c"u8.ToArray()));
        Assert.NotEqual(a, ModelFingerprint.Of("a", "bc"));
        Assert.NotEqual(a, ModelFingerprint.Of("abc"));
        Assert.False(a.IsEmpty);
        Assert.True(default(ModelFingerprint).IsEmpty);
        // SHA-256( u64le(2) "ab" u64le(1) "c" ): fixed once, must never change (blobs in Redis depend on it).
        var expected = Convert.ToHexStringLower(SHA256.HashData(
            new byte[] { 2, 0, 0, 0, 0, 0, 0, 0, (byte)'a', (byte)'b', 1, 0, 0, 0, 0, 0, 0, 0, (byte)'c' }));
        Assert.Equal(expected, a.ToHex());
    }

    [Fact]
    public void Hex_round_trips_and_bad_hex_is_refused()
    {
        var a = ModelFingerprint.Of("base", "adapter");
        Assert.Equal(64, a.ToHex().Length);
        Assert.Equal(a, ModelFingerprint.FromHex(a.ToHex()));
        Assert.Equal(a, ModelFingerprint.FromHex(a.ToHex().ToUpperInvariant()));
        Assert.Equal(a, new ModelFingerprint(a.ToArray()));
        Assert.Equal(a.ToHex(), a.ToString());
        Assert.Throws<FormatException>(() => ModelFingerprint.FromHex("abc"));
        Assert.Throws<FormatException>(() => ModelFingerprint.FromHex(new string('g', 64)));
        Assert.Throws<ArgumentException>(() => new ModelFingerprint(new byte[31]));
    }
}
