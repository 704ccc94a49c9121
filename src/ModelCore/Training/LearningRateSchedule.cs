namespace MemoryPlatform.ModelCore.Training;

/// <summary>Linear warmup, then cosine decay to a floor (as nanoGPT's get_lr).</summary>
public static class LearningRateSchedule
{
    /// <summary>Learning rate at optimizer step <paramref name="step"/> (0-based) of a run of <paramref name="totalSteps"/>.</summary>
    public static double WarmupCosine(long step, double peak, int warmupSteps, int totalSteps, double minRatio)
    {
        if (step < warmupSteps) return peak * (step + 1) / warmupSteps;
        var span = Math.Max(1, totalSteps - warmupSteps);
        var progress = Math.Min(1.0, (double)(step - warmupSteps) / span);
        var floor = peak * minRatio;
        return floor + (peak - floor) * 0.5 * (1 + Math.Cos(Math.PI * progress));
    }
}
