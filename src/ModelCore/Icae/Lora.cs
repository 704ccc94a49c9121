using MemoryPlatform.ModelCore.Models;
using MemoryPlatform.ModelCore.Tensors;

namespace MemoryPlatform.ModelCore.Icae;

/// <summary>
/// One low-rank update (LoRA, Hu et al. 2021, eq. 3): h = W x + (α/r)·B(A x), with A [r, in] and B [out, r].
/// A fresh update (<see cref="IcaeModel.Create"/>) has A ~ N(0, 1/r²) (PEFT's "gaussian" init) and B = 0, so it
/// starts as no change at all.
/// Dropout (PEFT's lora_dropout) acts on the LoRA input, in training only. Owns A and B.
/// </summary>
public sealed class LoraLinear : IDisposable
{
    public Tensor A { get; }        // [r, in]
    public Tensor B { get; }        // [out, r]
    public double Scaling { get; }  // α / r
    public double Dropout { get; }

    public LoraLinear(Tensor a, Tensor b, double scaling, double dropout)
    {
        if (a.Dim != 2 || b.Dim != 2 || a.Size(0) != b.Size(1))
            throw new ArgumentException($"LoRA needs A [r, in] and B [out, r], got A {a} and B {b}");
        A = TensorScope.Escape(a);
        B = TensorScope.Escape(b);
        Scaling = scaling;
        Dropout = dropout;
    }

    /// <summary>(α/r)·B(A·dropout(x)) for x [.., in] → [.., out], computed in x's dtype.</summary>
    public Tensor Delta(Tensor x, bool training)
    {
        using var scope = TensorScope.Begin();
        var a = A.DType == x.DType ? A : A.To(x.DType);
        var b = B.DType == x.DType ? B : B.To(x.DType);
        var h = Functional.Dropout(x, Dropout, training).Linear(a);   // [.., r]
        return scope.Keep(h.Linear(b).Mul(Scaling));                 // [.., out]
    }

    public void Dispose()
    {
        A.Dispose();
        B.Dispose();
    }
}

/// <summary>
/// The LoRA updates of every layer's target projections; plugged into <see cref="Llama.Forward"/> it turns the
/// base model into ICAE's encoder. <see cref="Training"/> switches dropout on.
/// </summary>
public sealed class LoraAdapter : IProjectionAdapter, IDisposable
{
    private readonly Dictionary<(int Layer, Projection Projection), LoraLinear> updates;

    public LoraConfig Config { get; }
    public bool Training { get; set; }

    public LoraAdapter(LoraConfig config, Dictionary<(int, Projection), LoraLinear> updates)
    {
        Config = config;
        this.updates = updates;
    }

    /// <summary>[out, in] of a projection's weight in <paramref name="model"/>.</summary>
    public static (long Out, long In) ProjectionShape(LlamaConfig model, Projection p)
    {
        long d = model.HiddenSize, q = (long)model.NumAttentionHeads * model.HeadDim, kv = (long)model.NumKeyValueHeads * model.HeadDim;
        long ffn = model.IntermediateSize;
        return p switch
        {
            Projection.Q => (q, d),
            Projection.K or Projection.V => (kv, d),
            Projection.O => (d, q),
            Projection.Gate or Projection.Up => (ffn, d),
            Projection.Down => (d, ffn),
            _ => throw new ArgumentOutOfRangeException(nameof(p)),
        };
    }

    public Tensor? Delta(int layer, Projection p, Tensor x) =>
        updates.TryGetValue((layer, p), out var lora) ? lora.Delta(x, Training) : null;

    public LoraLinear this[int layer, Projection p] => updates[(layer, p)];

    /// <summary>Every update in (layer, target order).</summary>
    public IEnumerable<(int Layer, Projection Projection, LoraLinear Lora)> Updates() =>
        updates.OrderBy(u => u.Key.Layer).ThenBy(u => u.Key.Projection).Select(u => (u.Key.Layer, u.Key.Projection, u.Value));

    public void Dispose()
    {
        foreach (var u in updates.Values) u.Dispose();
    }
}
