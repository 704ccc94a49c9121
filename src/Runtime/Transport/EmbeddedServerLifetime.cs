using Microsoft.Extensions.Hosting;

namespace MemoryPlatform.Runtime.Transport;

/// <summary>
/// The lifetime of the silo's Kestrel host: a part of a process, not the process. The default (ConsoleLifetime) takes
/// SIGINT and SIGTERM for itself in every silo it runs in, so a process hosting silos in-process (tests, the cluster
/// benchmark) would no longer see Ctrl-C. The silo starts and stops its server itself; the process's own host or
/// command line owns the signals.
/// </summary>
internal sealed class EmbeddedServerLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
