using System.Globalization;

namespace MemoryPlatform.Cli.Chaos;

/// <summary>Resident set size of processes, from /proc (Linux): what the machine really gives them, heaps and native memory alike.</summary>
public static class ProcessMemory
{
    /// <summary>VmRSS of one process in bytes; 0 when it is gone.</summary>
    public static long RssBytes(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    return 1024 * long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (IOException) { }
        return 0;
    }

    public static double TotalMb(IEnumerable<int> pids) => pids.Sum(RssBytes) / (1024.0 * 1024.0);
}
