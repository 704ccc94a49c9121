namespace MemoryPlatform.ModelCore.Icae;

/// <summary>
/// An intact slot blob that was encoded by another model+adapter than the one expected. Its slots
/// mean nothing to this model: the platform drops the blob and re-encodes the span.
/// </summary>
/// <remarks>
/// <see cref="InvalidDataException"/> is sealed, so this cannot derive from it. It derives from
/// <see cref="Exception"/> on purpose: corruption (<see cref="InvalidDataException"/>) and a blob
/// from another model are different situations with different remedies, and a caller that wants
/// "any refusal" catches both types.
/// </remarks>
public sealed class SlotFingerprintMismatchException : Exception
{
    public SlotFingerprintMismatchException(ModelFingerprint expected, ModelFingerprint actual)
        : base($"Slot blob was encoded by model fingerprint {actual.ToHex()}, expected {expected.ToHex()}; re-encode the span with the current model.")
    {
        Expected = expected;
        Actual = actual;
    }

    /// <summary>The fingerprint the caller's model has.</summary>
    public ModelFingerprint Expected { get; }

    /// <summary>The fingerprint written in the blob.</summary>
    public ModelFingerprint Actual { get; }
}
