using MemoryPlatform.ModelCore.Tensors;

namespace MemoryPlatform.ModelCore.Icae;

/// <summary>The decoder layouts of ICAE (shared/reference/icae.md).</summary>
public enum IcaeLayout
{
    /// <summary><c>[slots][AE]</c> → the text the slots encode, then EOS.</summary>
    AutoEncode,
    /// <summary><c>[slots]</c> (then the optional prompt tokens) → the text that follows.</summary>
    Continue,
    /// <summary><c>[slots][FT] prompt</c> → the answer, wrapped in the chat markers when the config has them.</summary>
    FineTuned,
}

/// <summary>
/// One decoder request: memory slot blocks in document order (each [m, d] or [spans, k, d], concatenated as given),
/// a layout, and prompt token ids (the question for <see cref="IcaeLayout.FineTuned"/>; optional text already
/// generated for <see cref="IcaeLayout.Continue"/>; none for <see cref="IcaeLayout.AutoEncode"/>).
/// The tensors stay owned by the caller.
/// </summary>
public sealed record IcaePrompt(IReadOnlyList<Tensor> Slots, IcaeLayout Layout, int[]? Prompt = null)
{
    public static IcaePrompt AutoEncode(params Tensor[] slots) => new(slots, IcaeLayout.AutoEncode);

    public static IcaePrompt Continue(IReadOnlyList<Tensor> slots, int[]? text = null) => new(slots, IcaeLayout.Continue, text);

    public static IcaePrompt Ask(IReadOnlyList<Tensor> slots, int[] prompt) => new(slots, IcaeLayout.FineTuned, prompt);
}
