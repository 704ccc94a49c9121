using MemoryPlatform.ModelCore.Tensors;

namespace MemoryPlatform.ModelCore.Training;

public sealed record AdamWOptions(double LearningRate = 1e-3, double Beta1 = 0.9, double Beta2 = 0.999,
                                  double Eps = 1e-8, double WeightDecay = 0.01);

/// <summary>
/// AdamW (Loshchilov &amp; Hutter, "Decoupled Weight Decay Regularization", Algorithm 2), as
/// torch.optim.AdamW computes it. Parameters and moments are float32 (master weights), whatever
/// dtype the forward pass computes in. The optimizer owns its moment tensors.
/// </summary>
public sealed class AdamW : IDisposable
{
    private readonly IReadOnlyList<Tensor> parameters;
    private readonly Tensor[] m;   // first moments
    private readonly Tensor[] v;   // second moments

    public AdamWOptions Options { get; set; }

    /// <summary>Updates taken so far (t in the paper); drives bias correction.</summary>
    public long Step { get; private set; }

    public AdamW(IReadOnlyList<Tensor> parameters, AdamWOptions options)
    {
        this.parameters = parameters;
        Options = options;
        m = new Tensor[parameters.Count];
        v = new Tensor[parameters.Count];
        for (var i = 0; i < parameters.Count; i++)
        {
            m[i] = parameters[i].ZerosLike();
            v[i] = parameters[i].ZerosLike();
        }
    }

    /// <summary>One update from the gradients accumulated by backward; parameters without one are skipped.</summary>
    public void StepOnce(double? learningRate = null)
    {
        var o = Options;
        var lr = learningRate ?? o.LearningRate;
        Step++;
        var bias1 = 1 - Math.Pow(o.Beta1, Step);
        var bias2 = 1 - Math.Pow(o.Beta2, Step);
        using var noGrad = Autograd.NoGrad();
        using var scope = TensorScope.Begin();
        for (var i = 0; i < parameters.Count; i++)
        {
            var p = parameters[i];
            var g = p.Grad;
            if (g is null) continue;
            p.MulInPlace(1 - lr * o.WeightDecay);                        // decoupled decay: θ ← θ(1 − ηλ)
            m[i].LerpInPlace(g, 1 - o.Beta1);                            // m ← β1 m + (1 − β1) g
            v[i].MulInPlace(o.Beta2).AddCMulInPlace(g, g, 1 - o.Beta2);  // v ← β2 v + (1 − β2) g²
            var denom = v[i].Sqrt().Div(Math.Sqrt(bias2)).Add(o.Eps);    // √(v / (1 − β2ᵗ)) + ε
            p.AddCDivInPlace(m[i], denom, -lr / bias1);                  // θ ← θ − η m / (1 − β1ᵗ) / denom
        }
    }

    /// <summary>Clears every parameter's gradient (set to none, as zero_grad(set_to_none=True)).</summary>
    public void ZeroGrad()
    {
        foreach (var p in parameters) p.Grad = null;
    }

    /// <summary>The moments, for checkpoints: m0, v0, m1, v1, ... (handles stay owned by the optimizer).</summary>
    public IEnumerable<(string Name, Tensor Value)> State()
    {
        for (var i = 0; i < parameters.Count; i++)
        {
            yield return ($"m.{i}", m[i]);
            yield return ($"v.{i}", v[i]);
        }
    }

    /// <summary>Restores moments and step count saved by <see cref="State"/>, for exact resume.</summary>
    public void Load(IReadOnlyDictionary<string, Tensor> state, long step)
    {
        using var noGrad = Autograd.NoGrad();
        for (var i = 0; i < parameters.Count; i++)
        {
            m[i].CopyFrom(state.TryGetValue($"m.{i}", out var mi) ? mi : throw new InvalidDataException($"optimizer state lacks m.{i}"));
            v[i].CopyFrom(state.TryGetValue($"v.{i}", out var vi) ? vi : throw new InvalidDataException($"optimizer state lacks v.{i}"));
        }
        Step = step;
    }

    public void Dispose()
    {
        foreach (var t in m) t.Dispose();
        foreach (var t in v) t.Dispose();
    }
}
