namespace MemoryPlatform.ModelCore.Data;

/// <summary>Checks and installs Debian packages with dpkg-query / apt-get, non-interactively.</summary>
public static class PackageInstaller
{
    public static bool IsInstalled(string package)
    {
        var r = ProcessRunner.Run("dpkg-query", ["-W", "-f=${Status}", package]);
        return r.ExitCode == 0 && r.StdOut.Contains("install ok installed", StringComparison.Ordinal);
    }

    /// <summary>Installed version, e.g. "1:1.99.1-7.3"; throws if the package is not installed.</summary>
    public static string Version(string package)
    {
        var r = ProcessRunner.Run("dpkg-query", ["-W", "-f=${Version}", package]);
        if (r.ExitCode != 0 || r.StdOut.Length == 0)
            throw new InvalidOperationException($"package {package} is not installed");
        return r.StdOut.Trim();
    }

    /// <summary>Installs whichever of <paramref name="packages"/> are missing, saying so on <paramref name="log"/>.</summary>
    public static void EnsureInstalled(IEnumerable<string> packages, TextWriter log)
    {
        var missing = packages.Distinct().Where(p => !IsInstalled(p)).ToList();
        if (missing.Count == 0) return;
        log.WriteLine($"memplat: installing Debian packages: {string.Join(' ', missing)}");
        // Root installs directly; anyone else goes through sudo (which may prompt).
        var sudo = Environment.UserName != "root" && !IsRootByUid();
        var env = new Dictionary<string, string> { ["DEBIAN_FRONTEND"] = "noninteractive" };
        string[] install = ["apt-get", "install", "-y", "-q", "--no-install-recommends", .. missing];
        var r = Apt(install, sudo, env);
        if (r.ExitCode != 0)
        {
            // A stale package list is the usual cause; refresh once and retry.
            log.WriteLine("memplat: apt-get install failed; running apt-get update and retrying");
            Apt(["apt-get", "update", "-q"], sudo, env);
            r = Apt(install, sudo, env);
        }
        if (r.ExitCode != 0)
            throw new InvalidOperationException(
                $"apt-get install {string.Join(' ', missing)} failed ({r.ExitCode}):\n{r.StdErr}");
    }

    private static ProcessRunner.Result Apt(string[] cmd, bool sudo, Dictionary<string, string> env) =>
        sudo ? ProcessRunner.Run("sudo", ["DEBIAN_FRONTEND=noninteractive", .. cmd], env)
             : ProcessRunner.Run(cmd[0], cmd[1..], env);

    private static bool IsRootByUid()
    {
        var r = ProcessRunner.Run("id", ["-u"]);
        return r.ExitCode == 0 && r.StdOut.Trim() == "0";
    }
}
