namespace MemoryPlatform.ModelCore.Icae;

/// <summary>How slot values are stored in a <see cref="SlotBlob"/>. The numeric value is the on-wire byte.</summary>
public enum SlotDType : byte
{
    /// <summary>IEEE 754 binary16 (<see cref="System.Half"/>), round-to-nearest-even. The default.</summary>
    Float16 = 0,

    /// <summary>Signed 8-bit, symmetric per row: scale = max|x|/127 stored as float32 per row,
    /// q = round(x/scale) clamped to [-127, 127]; an all-zero row has scale 0.</summary>
    Int8 = 1,
}
