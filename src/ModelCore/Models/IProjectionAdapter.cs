using MemoryPlatform.ModelCore.Tensors;

namespace MemoryPlatform.ModelCore.Models;

/// <summary>The linear projections of a Llama block, named as in HF checkpoints by <see cref="ProjectionNames"/>.</summary>
public enum Projection { Q, K, V, O, Gate, Up, Down }

public static class ProjectionNames
{
    /// <summary>The HF module path of a projection inside layer i: self_attn.q_proj, mlp.gate_proj, ...</summary>
    public static string ModulePath(this Projection p) => p switch
    {
        Projection.Q => "self_attn.q_proj",
        Projection.K => "self_attn.k_proj",
        Projection.V => "self_attn.v_proj",
        Projection.O => "self_attn.o_proj",
        Projection.Gate => "mlp.gate_proj",
        Projection.Up => "mlp.up_proj",
        Projection.Down => "mlp.down_proj",
        _ => throw new ArgumentOutOfRangeException(nameof(p), p, "unknown projection"),
    };

    /// <summary>The short name used in adapter configs (PEFT's target_modules): q_proj, gate_proj, ...</summary>
    public static string ShortName(this Projection p) => p.ModulePath().Split('.')[1];

    /// <summary>Parses a short name (q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj).</summary>
    public static Projection Parse(string name) =>
        Enum.GetValues<Projection>().FirstOrDefault(p => p.ShortName() == name, (Projection)(-1)) is var p && Enum.IsDefined(p)
            ? p
            : throw new ArgumentException($"unknown projection '{name}' (expected one of {string.Join(", ", Enum.GetValues<Projection>().Select(x => x.ShortName()))})");
}

/// <summary>
/// Something that adds to a projection's output inside <see cref="Llama.Forward"/>: y = W x + Delta(x).
/// ICAE's encoder is the base model with a LoRA adapter through this hook; the decoder passes none.
/// </summary>
public interface IProjectionAdapter
{
    /// <summary>The delta [.., out] for input x [.., in] of projection <paramref name="p"/> in <paramref name="layer"/>, or null for none.</summary>
    Tensor? Delta(int layer, Projection p, Tensor x);
}
