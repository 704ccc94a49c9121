namespace MemoryPlatform.ModelCore.Training;

/// <summary>
/// What an E²-LLM fine-tune varies (shared/reference/e2llm.md): the full method, or one of its ablations.
/// <list type="bullet">
/// <item><see cref="E2Llm"/>: g uniform in {ceil(R / L)..g_max} per step (1..g_max at the paper's R ≤ L), 4 sinks at offset 0, the rest offset by t in {0..g·L − R}.</item>
/// <item><see cref="FixedScale"/>: position interpolation (Chen et al. 2023) at one g, trained at R = g·L (g times the tokens per row).</item>
/// <item><see cref="NoOffset"/>: g augmentation only (paper §4.4 "without t").</item>
/// <item><see cref="NoScale"/>: one fixed g, offsets kept (paper §4.4 "without scale augmentation").</item>
/// </list>
/// </summary>
public enum E2LlmMode { E2Llm, FixedScale, NoOffset, NoScale }
