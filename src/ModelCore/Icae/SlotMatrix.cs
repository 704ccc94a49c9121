namespace MemoryPlatform.ModelCore.Icae;

/// <summary>Decoded memory slots: <paramref name="Rows"/> × <paramref name="Dim"/> floats, row-major.
/// <paramref name="DType"/> tells how they were stored (and so how much precision was lost).</summary>
public sealed record SlotMatrix(float[] Values, int Rows, int Dim, SlotDType DType)
{
    /// <summary>Row <paramref name="row"/> as a span over <see cref="Values"/>.</summary>
    public ReadOnlySpan<float> Row(int row)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(row);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(row, Rows);
        return Values.AsSpan(row * Dim, Dim);
    }
}
