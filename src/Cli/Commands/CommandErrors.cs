using MemoryPlatform.ModelCore;

namespace MemoryPlatform.Cli.Commands;

/// <summary>
/// The CLI's one error policy: known failures (bad files, bad arguments, libtorch errors, a failed
/// external tool) print one line, `memplat NAME: message`, and exit 1; cancellation exits 130.
/// Anything else is a bug and keeps its stack trace.
/// </summary>
public static class CommandErrors
{
    public static int Run(string name, Action body) => RunAsync(name, () => { body(); return Task.CompletedTask; }).GetAwaiter().GetResult();

    public static async Task<int> RunAsync(string name, Func<Task> body)
    {
        try
        {
            await body();
            return 0;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or TorchException
                                      or UnauthorizedAccessException or KeyNotFoundException or NotSupportedException
                                      or InvalidOperationException or TimeoutException)
        {
            Console.Error.WriteLine($"memplat {name}: {e.Message}");
            return 1;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine($"memplat {name}: cancelled");
            return 130;
        }
    }
}
