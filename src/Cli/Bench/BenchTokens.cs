namespace MemoryPlatform.Cli.Bench;

/// <summary>
/// Deterministic token ids for the model benchmarks: row b, position i = 3 + (b·7919 + i·104729) mod (V − 3), skipping
/// the special ids 0..2. bench/icae_encode_reference.py builds the same spans, so both sides encode the same input.
/// Throughput does not depend on which ids they are; only that both sides use the same ones.
/// </summary>
public static class BenchTokens
{
    public static int[] Row(int row, int length, int vocab) =>
        [.. Enumerable.Range(0, length).Select(i => 3 + (int)(((long)row * 7919 + (long)i * 104729) % (vocab - 3)))];

    public static int[][] Rows(int rows, int length, int vocab) => [.. Enumerable.Range(0, rows).Select(b => Row(b, length, vocab))];
}
