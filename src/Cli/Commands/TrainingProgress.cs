using System.Diagnostics;

namespace MemoryPlatform.Cli.Commands;

/// <summary>
/// The progress line of a training command, rewritten in place: step, the command's own figures, learning rate,
/// throughput and ETA. The ETA uses the mean time per step since this process started: a resumed run's earlier
/// steps ran in another process, perhaps at another speed.
/// </summary>
internal sealed class TrainingProgress(long startStep, long totalSteps)
{
    private readonly Stopwatch watch = Stopwatch.StartNew();

    public long StartStep => startStep;
    public TimeSpan Elapsed => watch.Elapsed;

    public TimeSpan Eta(long step) =>
        step <= startStep ? TimeSpan.Zero : TimeSpan.FromSeconds(watch.Elapsed.TotalSeconds / (step - startStep) * (totalSteps - step));

    public void Write(long step, string figures, double learningRate, double tokensPerSecond, string tail = "") =>
        Console.Error.Write($"\rstep {step}/{totalSteps} {figures} lr {learningRate:G3} {tokensPerSecond:N0} tok/s{tail} ETA {Eta(step):hh\\:mm\\:ss}   ");
}
