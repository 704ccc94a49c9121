using System.Net;
using System.Net.Sockets;

namespace MemoryPlatform.Cli.Platform;

/// <summary>Ports for a <see cref="LocalPlatform"/> started by a run (chaos, bench): the gateway's, and a base for the
/// silos (base + i and base + 100 + i, as LocalPlatformOptions.FirstSiloPort), all free now.</summary>
public static class FreePorts
{
    public static (int Gateway, int FirstSilo) Pick(int silos)
    {
        var random = new Random();
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var gateway = random.Next(20_000, 30_000);
            var first = random.Next(30_000, 40_000);
            var ports = new[] { gateway }.Concat(Enumerable.Range(0, silos).SelectMany(i => new[] { first + i, first + 100 + i }));
            if (ports.All(IsFree)) return (gateway, first);
        }
        throw new InvalidOperationException("no free ports found for a local platform");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
