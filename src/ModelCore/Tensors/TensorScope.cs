namespace MemoryPlatform.ModelCore.Tensors;

/// <summary>
/// Frees every tensor created inside it when disposed, except those handed out with
/// <see cref="Keep(Tensor)"/>, which move to the enclosing scope (or to the caller when there is none).
/// This is what keeps native memory flat across long training and generation loops without a
/// Dispose call per temporary.
/// </summary>
/// <remarks>
/// Scopes are per thread and meant for synchronous regions (a forward pass, a training step).
/// Do not await inside one: a continuation may resume on another thread.
/// </remarks>
public sealed class TensorScope : IDisposable
{
    [ThreadStatic] private static TensorScope? current;

    private readonly TensorScope? parent;
    private readonly List<Tensor> owned = [];
    private bool disposed;

    private TensorScope()
    {
        parent = current;
        current = this;
    }

    /// <summary>Opens a scope; dispose it (with <c>using</c>) to free what was created in it.</summary>
    public static TensorScope Begin() => new();

    internal static void Track(Tensor t)
    {
        var scope = current;
        if (scope is null) return;
        t.Scope = scope;
        scope.owned.Add(t);
    }

    /// <summary>Moves <paramref name="tensor"/> out of this scope, to the enclosing one; returns it.</summary>
    public Tensor Keep(Tensor tensor)
    {
        if (tensor.Scope != this) return tensor;
        tensor.Scope = parent;
        parent?.owned.Add(tensor);
        return tensor;
    }

    /// <summary>Takes <paramref name="tensor"/> out of every scope: its owner (a model, a cache) now disposes it.</summary>
    public static Tensor Escape(Tensor tensor)
    {
        tensor.Scope = null;
        return tensor;
    }

    /// <summary>Keeps several tensors at once (e.g. a model's outputs and its KV cache).</summary>
    public void Keep(IEnumerable<Tensor?> tensors)
    {
        foreach (var t in tensors) if (t is not null) Keep(t);
    }

    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        if (current != this)
            throw new InvalidOperationException("tensor scopes must be disposed in the reverse order of creation");
        current = parent;
        foreach (var t in owned)
            if (t.Scope == this) t.Dispose();
        owned.Clear();
    }
}
