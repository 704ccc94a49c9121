using System.Buffers.Binary;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Security.Cryptography;

namespace MemoryPlatform.ModelCore.Icae;

/// <summary>
/// The compact byte form of one span's ICAE memory slots (k rows × d floats), as stored in Redis
/// under <c>mem:{tenant:docId}:span:{i}</c>.
/// </summary>
/// <remarks>
/// <para>Layout, all integers little-endian, header fixed at <see cref="HeaderSize"/> = 64 bytes:</para>
/// <code>
/// offset size  field
///      0    4  magic "MPSL" (4D 50 53 4C)
///      4    2  format version, u16: 2 for Float16, 3 for Int8 (1 is still read, and version-2 Int8)
///      6    1  dtype, u8 (SlotDType: 0 = Float16, 1 = Int8)
///      7    1  reserved, must be 0
///      8    4  rows (k), u32, 1..65536
///     12    4  dim (d), u32, 1..65536
///     16   32  model fingerprint (SHA-256 of base model + adapter identity)
///     48    8  payload length in bytes, u64 (must equal SizeOf(rows, dim, dtype) - 64)
///     56    8  checksum of header bytes 0..55 ‖ payload: XXH64, seed 0 (versions 2 and 3);
///              the first 8 bytes of SHA-256 (version 1)
///     64    …  payload
/// </code>
/// <para>Payload: Float16 = rows×dim binary16 values, row-major. Int8 (version 3) = dim binary16 values u (the
/// direction of the block's column means, scaled to max |u| = 1), rows float32 weights a, rows float32 scales s
/// (finite, ≥ 0), then rows×dim signed bytes q in [-127, 127], row-major; value = q × s[r] + a[r] × u[j]. Slot rows
/// share a large common direction (its norm is near a row's own), so each row is split into a[r] × u (a[r] the
/// least-squares fit) and a residual, and only the residual is quantized: on the shipped adapter's slots a relative
/// RMS error of 0.34 % where per-row scales alone give 0.96 %, for 3 % more bytes (docs/results-icae.md, session 15).
/// Versions 1 and 2 Int8 = rows float32 scales, then the bytes; value = q × scale.</para>
/// <para>The checksum also covers the header fields before it, so a flipped bit anywhere (shape,
/// dtype, fingerprint, payload) is caught as corruption; a fingerprint mismatch is reported only
/// for an intact blob. It guards against corruption, not forgery, so version 2 took XXH64 (several GB/s) instead of
/// SHA-256, which cost more than fetching the blob from Redis. A blob holds only finite values: Encode refuses NaN/±Inf
/// (and, for Float16, values beyond the binary16 range) and Decode refuses them too.</para>
/// <para><see cref="ReadHeader"/> needs only the first 64 bytes, so a store can fetch the header
/// alone (Redis <c>GETRANGE key 0 63</c>) to check shape and model before fetching the payload.</para>
/// </remarks>
public static class SlotBlob
{
    /// <summary>Size of the fixed header in bytes.</summary>
    public const int HeaderSize = 64;

    /// <summary>The newest format version (XXH64 checksum, int8 with a common row direction); this code also reads
    /// version 2 (int8 with row scales only) and version 1 (SHA-256 checksum).</summary>
    public const ushort FormatVersion = 3;

    /// <summary>The version a blob of <paramref name="dtype"/> is written as: the oldest that holds its layout, so that
    /// a reader from before version 3 (a silo not yet upgraded) still reads the default, fp16.</summary>
    public static ushort VersionFor(SlotDType dtype) => dtype == SlotDType.Int8 ? FormatVersion : RowScaleVersion;

    private const ushort Sha256Version = 1, RowScaleVersion = 2;

    /// <summary>Largest accepted row count (k).</summary>
    public const int MaxRows = 65_536;

    /// <summary>Largest accepted row width (d).</summary>
    public const int MaxDim = 65_536;

    /// <summary>Bytes of the checksum stored in the header.</summary>
    public const int ChecksumSize = 8;

    private static ReadOnlySpan<byte> Magic => "MPSL"u8;

    private const int OffVersion = 4, OffDType = 6, OffReserved = 7, OffRows = 8, OffDim = 12,
        OffFingerprint = 16, OffPayloadLength = 48, OffChecksum = 56;

    /// <summary>Total blob size (header + payload) in bytes for a rows×dim slot block.</summary>
    public static long SizeOf(int rows, int dim, SlotDType dtype)
    {
        CheckShapeArgs(rows, dim);
        return HeaderSize + PayloadSize(rows, dim, dtype, VersionFor(dtype));
    }

    /// <summary>Encodes with the default dtype, <see cref="SlotDType.Float16"/>.</summary>
    public static byte[] Encode(ReadOnlySpan<float> slots, int rows, int dim, ModelFingerprint fingerprint)
        => Encode(slots, rows, dim, SlotDType.Float16, fingerprint);

    /// <summary>
    /// Encodes rows×dim slot values (row-major) into a blob.
    /// </summary>
    /// <exception cref="ArgumentException">Bad shape, unknown dtype, a length that is not rows×dim,
    /// a NaN/±Inf value, or (Float16) a value that overflows binary16.</exception>
    public static byte[] Encode(ReadOnlySpan<float> slots, int rows, int dim, SlotDType dtype, ModelFingerprint fingerprint)
    {
        CheckShapeArgs(rows, dim);
        if (!Enum.IsDefined(dtype))
            throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Unknown slot dtype.");
        long count = (long)rows * dim;
        if (slots.Length != count)
            throw new ArgumentException($"Expected rows × dim = {rows} × {dim} = {count} values, got {slots.Length}.", nameof(slots));
        var version = VersionFor(dtype);
        long payloadLength = PayloadSize(rows, dim, dtype, version);
        if (HeaderSize + payloadLength > Array.MaxLength)
            throw new ArgumentException($"A {rows} × {dim} {dtype} blob ({HeaderSize + payloadLength} bytes) is too large for one array.", nameof(slots));

        var blob = new byte[HeaderSize + payloadLength];
        var payload = blob.AsSpan(HeaderSize);
        if (dtype == SlotDType.Float16)
            EncodeFloat16(slots, payload);
        else
            EncodeInt8(slots, rows, dim, payload);

        var header = blob.AsSpan(0, HeaderSize);
        Magic.CopyTo(header);
        BinaryPrimitives.WriteUInt16LittleEndian(header[OffVersion..], version);
        header[OffDType] = (byte)dtype;
        header[OffReserved] = 0;
        BinaryPrimitives.WriteUInt32LittleEndian(header[OffRows..], (uint)rows);
        BinaryPrimitives.WriteUInt32LittleEndian(header[OffDim..], (uint)dim);
        fingerprint.CopyTo(header[OffFingerprint..]);
        BinaryPrimitives.WriteUInt64LittleEndian(header[OffPayloadLength..], (ulong)payloadLength);
        BinaryPrimitives.WriteUInt64LittleEndian(header[OffChecksum..], Checksum(blob, version));
        return blob;
    }

    /// <summary>
    /// Reads and validates the header (magic, version, dtype, reserved byte, shape bounds, payload
    /// length consistent with the shape). Needs only the first <see cref="HeaderSize"/> bytes; does
    /// not check the payload, its checksum or the fingerprint.
    /// </summary>
    /// <exception cref="InvalidDataException">The header is short or malformed; the message says how.</exception>
    public static SlotBlobHeader ReadHeader(ReadOnlySpan<byte> blob)
    {
        if (blob.Length < HeaderSize)
            throw new InvalidDataException($"Slot blob is truncated: {blob.Length} bytes, shorter than the {HeaderSize}-byte header.");
        if (!blob[..4].SequenceEqual(Magic))
            throw new InvalidDataException($"Slot blob has bad magic {Convert.ToHexString(blob[..4])}, expected 4D50534C (\"MPSL\").");
        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(blob[OffVersion..]);
        if (version is not (FormatVersion or RowScaleVersion or Sha256Version))
            throw new InvalidDataException($"Slot blob has unknown format version {version}; this code reads versions {Sha256Version} to {FormatVersion}.");
        byte dtypeByte = blob[OffDType];
        if (!Enum.IsDefined((SlotDType)dtypeByte))
            throw new InvalidDataException($"Slot blob has unknown dtype code {dtypeByte}.");
        var dtype = (SlotDType)dtypeByte;
        if (blob[OffReserved] != 0)
            throw new InvalidDataException($"Slot blob has non-zero reserved header byte 0x{blob[OffReserved]:X2}.");
        uint rows = BinaryPrimitives.ReadUInt32LittleEndian(blob[OffRows..]);
        uint dim = BinaryPrimitives.ReadUInt32LittleEndian(blob[OffDim..]);
        if (rows is 0 or > MaxRows)
            throw new InvalidDataException($"Slot blob has implausible row count {rows}; expected 1..{MaxRows}.");
        if (dim is 0 or > MaxDim)
            throw new InvalidDataException($"Slot blob has implausible dim {dim}; expected 1..{MaxDim}.");
        ulong payloadLength = BinaryPrimitives.ReadUInt64LittleEndian(blob[OffPayloadLength..]);
        long expected = PayloadSize((int)rows, (int)dim, dtype, version);
        if (payloadLength != (ulong)expected)
            throw new InvalidDataException(
                $"Slot blob payload length {payloadLength} does not match its shape: {rows} × {dim} {dtype} needs {expected} bytes.");
        var fingerprint = new ModelFingerprint(blob.Slice(OffFingerprint, ModelFingerprint.Size));
        ulong checksum = BinaryPrimitives.ReadUInt64LittleEndian(blob[OffChecksum..]);
        return new SlotBlobHeader(version, dtype, (int)rows, (int)dim, fingerprint, expected, checksum);
    }

    /// <summary>
    /// Validates a whole blob and decodes its slots (a copy of the blob is kept; see the <see cref="ReadOnlyMemory{T}"/>
    /// overload, which keeps the caller's bytes instead).
    /// </summary>
    /// <exception cref="SlotFingerprintMismatchException">The blob is intact but was encoded by another
    /// model+adapter than <paramref name="expected"/>: re-encode.</exception>
    /// <exception cref="InvalidDataException">The blob is truncated, has trailing bytes, a bad header,
    /// a checksum mismatch, or non-finite/out-of-range values; the message says which. (The
    /// fingerprint mismatch is a separate type because InvalidDataException is sealed.)</exception>
    public static SlotMatrix Decode(ReadOnlySpan<byte> blob, ModelFingerprint expected) => Decode(new ReadOnlyMemory<byte>(blob.ToArray()), expected);

    /// <summary>
    /// Validates a whole blob (header, checksum, fingerprint, every value) and returns its slots. A float16 matrix
    /// refers to <paramref name="blob"/>'s payload and converts it only when its values are read
    /// (<see cref="SlotMatrix"/>), so the caller must not change those bytes afterwards.
    /// </summary>
    /// <exception cref="SlotFingerprintMismatchException">Intact, but encoded by another model+adapter.</exception>
    /// <exception cref="InvalidDataException">Truncated, trailing bytes, bad header, checksum mismatch, or bad values.</exception>
    public static SlotMatrix Decode(ReadOnlyMemory<byte> blob, ModelFingerprint expected)
    {
        var bytes = blob.Span;
        var header = ReadHeader(bytes);
        long total = HeaderSize + header.PayloadLength;
        if (bytes.Length < total)
            throw new InvalidDataException($"Slot blob is truncated: {bytes.Length} bytes, header says {total} ({header.Rows} × {header.Dim} {header.DType}).");
        if (bytes.Length > total)
            throw new InvalidDataException($"Slot blob has {bytes.Length - total} trailing bytes after the {total} its header describes.");
        var float16 = header.DType == SlotDType.Float16;
        // Versions 2 and 3 float16: the checksum and the finiteness scan go over the payload together, a cache-sized piece at a
        // time, so the payload comes from memory once (it is larger than the caches when a query reads many spans).
        var finite = true;
        ulong actualChecksum;
        var xxh64 = header.Version != Sha256Version;
        if (float16 && xxh64) actualChecksum = ChecksumAndScanFloat16(bytes, out finite);
        else actualChecksum = Checksum(bytes, header.Version);
        if (actualChecksum != header.Checksum)
            throw new InvalidDataException(
                $"Slot blob checksum mismatch (stored {header.Checksum:X16}, computed {actualChecksum:X16}): the blob is corrupt.");
        if (header.Fingerprint != expected)
            throw new SlotFingerprintMismatchException(expected, header.Fingerprint);

        if (float16)
        {
            if (!finite || !xxh64) ThrowIfNotFinite(bytes[HeaderSize..]);
            return new SlotMatrix(blob[HeaderSize..], header.Rows, header.Dim);
        }
        var values = new float[(long)header.Rows * header.Dim];
        if (header.Version == FormatVersion) DecodeInt8(bytes[HeaderSize..], header.Rows, header.Dim, values);
        else DecodeRowScaledInt8(bytes[HeaderSize..], header.Rows, header.Dim, values);
        return new SlotMatrix(values, header.Rows, header.Dim, header.DType);
    }

    private static void CheckShapeArgs(int rows, int dim)
    {
        if (rows is <= 0 or > MaxRows)
            throw new ArgumentOutOfRangeException(nameof(rows), rows, $"Rows must be 1..{MaxRows}.");
        if (dim is <= 0 or > MaxDim)
            throw new ArgumentOutOfRangeException(nameof(dim), dim, $"Dim must be 1..{MaxDim}.");
    }

    private static long PayloadSize(int rows, int dim, SlotDType dtype, ushort version) => dtype switch
    {
        SlotDType.Float16 => (long)rows * dim * 2,
        SlotDType.Int8 when version == FormatVersion => (long)dim * 2 + 2L * rows * sizeof(float) + (long)rows * dim,
        SlotDType.Int8 => (long)rows * sizeof(float) + (long)rows * dim,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Unknown slot dtype."),
    };

    /// <summary>
    /// The checksum over header bytes 0..55 and the payload, as <paramref name="version"/> defines it: XXH64 with seed 0
    /// (versions 2 and 3), or the first 8 bytes of SHA-256 read as a little-endian u64 (version 1).
    /// </summary>
    public static ulong Checksum(ReadOnlySpan<byte> blob, ushort version)
    {
        if (version == Sha256Version)
        {
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            sha.AppendData(blob[..OffChecksum]);
            sha.AppendData(blob[HeaderSize..]);
            Span<byte> hash = stackalloc byte[32];
            sha.GetHashAndReset(hash);
            return BinaryPrimitives.ReadUInt64LittleEndian(hash);
        }
        if (version is not (FormatVersion or RowScaleVersion)) throw new ArgumentOutOfRangeException(nameof(version), version, "unknown slot blob version");
        return XxHash64.Hash(blob[..OffChecksum], blob[HeaderSize..]);
    }

    private static void EncodeFloat16(ReadOnlySpan<float> slots, Span<byte> payload)
    {
        // One vectorised pass finds the largest magnitude (NaN if any value is NaN); only a bad block goes through the
        // element-by-element loop that names the offending value. Below 65520 every value rounds to a finite binary16.
        var largest = slots.IsEmpty ? 0 : TensorPrimitives.MaxMagnitude(slots);
        if (BitConverter.IsLittleEndian && float.IsFinite(largest) && Math.Abs(largest) < 65520f)
        {
            TensorPrimitives.ConvertToHalf(slots, MemoryMarshal.Cast<byte, Half>(payload));   // IEEE round-to-nearest-even
            return;
        }
        for (int i = 0; i < slots.Length; i++)
        {
            float x = slots[i];
            if (!float.IsFinite(x))
                throw new ArgumentException($"Slot value {i} is {x}; a slot blob stores finite values only.", nameof(slots));
            var h = (Half)x; // IEEE round-to-nearest-even
            if (Half.IsInfinity(h))
                throw new ArgumentException($"Slot value {i} = {x} overflows float16 (max ±65504); store it as Int8 or fix the model.", nameof(slots));
            BinaryPrimitives.WriteHalfLittleEndian(payload[(2 * i)..], h);
        }
    }

    /// <summary>The version-2 checksum of a float16 blob, scanning its payload for non-finite values on the way.</summary>
    private static ulong ChecksumAndScanFloat16(ReadOnlySpan<byte> blob, out bool finite)
    {
        const int piece = 16 << 10;                                                      // fits the L1 data cache
        var state = new XxHash64.State(0);
        state.Append(blob[..OffChecksum]);
        var payload = blob[HeaderSize..];
        finite = true;
        for (var offset = 0; offset < payload.Length; offset += piece)
        {
            var part = payload.Slice(offset, Math.Min(piece, payload.Length - offset));
            state.Append(part);
            finite &= AllFloat16Finite(part);
        }
        return state.Finish();
    }

    /// <summary>Whether no binary16 value of <paramref name="payload"/> is an infinity or NaN (all exponent bits set).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // every read runs it: optimised from the first call
    private static bool AllFloat16Finite(ReadOnlySpan<byte> payload)
    {
        const ushort exponent = 0x7C00;
        var bits = MemoryMarshal.Cast<byte, ushort>(payload);
        var i = 0;
        if (BitConverter.IsLittleEndian && Vector256.IsHardwareAccelerated)
        {
            var mask = Vector256.Create(exponent);
            var any = Vector256<ushort>.Zero;
            for (; i <= bits.Length - Vector256<ushort>.Count; i += Vector256<ushort>.Count)
                any |= Vector256.Equals(Vector256.Create(bits[i..]) & mask, mask);
            if (any != Vector256<ushort>.Zero) return false;
        }
        for (; i < bits.Length; i++)
            if (!Half.IsFinite(BinaryPrimitives.ReadHalfLittleEndian(payload[(2 * i)..]))) return false;
        return true;
    }

    /// <summary>Names the first non-finite value of a float16 payload, if there is one.</summary>
    private static void ThrowIfNotFinite(ReadOnlySpan<byte> payload)
    {
        if (AllFloat16Finite(payload)) return;
        for (var i = 0; i < payload.Length / 2; i++)
        {
            var h = BinaryPrimitives.ReadHalfLittleEndian(payload[(2 * i)..]);
            if (!Half.IsFinite(h))
                throw new InvalidDataException($"Slot blob value {i} is {h}; slot blobs hold finite values only.");
        }
    }

    /// <summary>
    /// Version 3 int8: u = the block's column means scaled to max |u| = 1 (binary16 holds it to 2^-11 relative); per
    /// row, a = ⟨x, u⟩ / ⟨u, u⟩ (the least-squares multiple of u) and the residual x − a·u quantized with s = max|residual| / 127. A row keeps its own error bound s/2 ≤ max|x| / 254
    /// whatever the other rows hold (a tiny row next to a huge one gets a ≈ 0); arithmetic is in double.
    /// </summary>
    private static void EncodeInt8(ReadOnlySpan<float> slots, int rows, int dim, Span<byte> payload)
    {
        for (int i = 0; i < slots.Length; i++)
            if (!float.IsFinite(slots[i]))
                throw new ArgumentException($"Slot value {i} (row {i / dim}) is {slots[i]}; a slot blob stores finite values only.", nameof(slots));
        var layout = Int8Layout(rows, dim);
        Span<byte> direction = payload[..layout.Weights], weights = payload[layout.Weights..layout.Scales],
            scales = payload[layout.Scales..layout.Quant], quant = payload[layout.Quant..];
        var u = new double[dim];                // the column sums, then the direction as stored
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < dim; j++) u[j] += slots[r * dim + j];
        var largest = u.Max(Math.Abs);
        double uu = 0;
        for (int j = 0; j < dim; j++)
        {
            var stored = largest > 0 ? (Half)(u[j] / largest) : Half.Zero;
            u[j] = (double)stored;              // the encoder fits what the decoder will read
            uu += u[j] * u[j];
            BinaryPrimitives.WriteHalfLittleEndian(direction[(j * 2)..], stored);
        }
        var residual = new double[dim];
        for (int r = 0; r < rows; r++)
        {
            var row = slots.Slice(r * dim, dim);
            double xu = 0;
            for (int j = 0; j < dim; j++) xu += row[j] * u[j];
            var a = uu > 0 && double.IsFinite(uu) ? (float)(xu / uu) : 0f;
            if (!float.IsFinite(a)) a = 0f;
            // The fit minimises the residual's sum of squares, not its largest value: a row the common part does not
            // help (or whose residual scale would overflow float32) is stored without it, so no row is quantized
            // more coarsely than plain per-row scaling would.
            var scale = Residual(row, a, u, residual);
            if (a != 0f && !(scale < (float)(Math.Abs(TensorPrimitives.MaxMagnitude(row)) / 127.0)))
                scale = Residual(row, a = 0f, u, residual);
            BinaryPrimitives.WriteSingleLittleEndian(weights[(r * sizeof(float))..], a);
            BinaryPrimitives.WriteSingleLittleEndian(scales[(r * sizeof(float))..], scale);
            Quantize(residual, scale, quant.Slice(r * dim, dim));
        }
    }

    /// <summary>residual = x − a·u; returns its int8 scale, max|residual| / 127 as float32 (0 for a zero residual, or
    /// one so tiny that the scale underflows: the error is then below 1e-43).</summary>
    private static float Residual(ReadOnlySpan<float> x, float a, double[] u, double[] residual)
    {
        double maxAbs = 0;
        for (int j = 0; j < x.Length; j++)
        {
            residual[j] = x[j] - (double)a * u[j];
            maxAbs = Math.Max(maxAbs, Math.Abs(residual[j]));
        }
        return (float)(maxAbs / 127.0);
    }

    private static void Quantize(ReadOnlySpan<double> values, float scale, Span<byte> q)
    {
        if (scale == 0)
        {
            q.Clear();
            return;
        }
        double inv = 1.0 / scale;
        for (int j = 0; j < values.Length; j++)
            q[j] = (byte)(sbyte)Math.Clamp(Math.Round(values[j] * inv, MidpointRounding.ToEven), -127.0, 127.0);
    }

    /// <summary>Where a version-3 int8 payload's parts start: dim binary16 direction values, rows weights, rows scales,
    /// then the bytes.</summary>
    private static (int Weights, int Scales, int Quant) Int8Layout(int rows, int dim) =>
        (dim * 2, dim * 2 + rows * sizeof(float), dim * 2 + 2 * rows * sizeof(float));

    private static void DecodeInt8(ReadOnlySpan<byte> payload, int rows, int dim, float[] values)
    {
        var layout = Int8Layout(rows, dim);
        var direction = new double[dim];
        for (int j = 0; j < dim; j++)
        {
            var u = BinaryPrimitives.ReadHalfLittleEndian(payload[(j * 2)..]);
            if (!(Half.Abs(u) <= Half.One))
                throw new InvalidDataException($"Slot blob column {j} has invalid int8 direction value {u}; they lie in [-1, 1].");
            direction[j] = (double)u;
        }
        ReadOnlySpan<byte> weights = payload[layout.Weights..layout.Scales], scales = payload[layout.Scales..layout.Quant],
            quant = payload[layout.Quant..];
        for (int r = 0; r < rows; r++)
        {
            float a = BinaryPrimitives.ReadSingleLittleEndian(weights[(r * sizeof(float))..]);
            if (!float.IsFinite(a))
                throw new InvalidDataException($"Slot blob row {r} has invalid int8 weight {a}; weights are finite.");
            float scale = ReadScale(scales, r);
            var q = quant.Slice(r * dim, dim);
            var dst = values.AsSpan(r * dim, dim);
            for (int j = 0; j < dim; j++)
            {
                var v = (float)(ReadQuant(q, r, j) * (double)scale + a * direction[j]);
                if (!float.IsFinite(v))
                    throw new InvalidDataException($"Slot blob row {r} column {j} decodes to {v}; the blob is corrupt.");
                dst[j] = v;
            }
        }
    }

    /// <summary>Versions 1 and 2 int8: a scale per row and nothing else; value = q × scale.</summary>
    private static void DecodeRowScaledInt8(ReadOnlySpan<byte> payload, int rows, int dim, float[] values)
    {
        var scales = payload[..(rows * sizeof(float))];
        var quant = payload[(rows * sizeof(float))..];
        for (int r = 0; r < rows; r++)
        {
            float scale = ReadScale(scales, r);
            var q = quant.Slice(r * dim, dim);
            var dst = values.AsSpan(r * dim, dim);
            for (int j = 0; j < dim; j++) dst[j] = ReadQuant(q, r, j) * scale;
        }
    }

    private static float ReadScale(ReadOnlySpan<byte> scales, int r)
    {
        float scale = BinaryPrimitives.ReadSingleLittleEndian(scales[(r * sizeof(float))..]);
        if (!float.IsFinite(scale) || scale < 0)
            throw new InvalidDataException($"Slot blob row {r} has invalid int8 scale {scale}; scales are finite and ≥ 0.");
        return scale;
    }

    private static sbyte ReadQuant(ReadOnlySpan<byte> q, int r, int j)
    {
        var s = (sbyte)q[j];
        if (s == sbyte.MinValue)
            throw new InvalidDataException($"Slot blob row {r} holds int8 value -128; values are in [-127, 127].");
        return s;
    }
}

/// <summary>The validated fixed header of a <see cref="SlotBlob"/>.</summary>
/// <param name="PayloadLength">Bytes after the header, consistent with the shape and dtype.</param>
/// <param name="Checksum">The stored checksum (first 8 bytes of SHA-256, as little-endian u64).</param>
public readonly record struct SlotBlobHeader(
    ushort Version, SlotDType DType, int Rows, int Dim, ModelFingerprint Fingerprint, long PayloadLength, ulong Checksum)
{
    /// <summary>Header plus payload, in bytes.</summary>
    public long TotalLength => SlotBlob.HeaderSize + PayloadLength;
}
