namespace MemoryPlatform.Gateway.Tests.Fixtures;

/// <summary>
/// A fact that drives Debian's chromium (never a browser Playwright would download). Skipped, with the reason,
/// only when the executable is missing; install it with <c>apt-get install -y chromium</c>.
/// </summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public const string ExecutablePath = "/usr/bin/chromium";

    public ChromiumFactAttribute()
    {
        if (!File.Exists(ExecutablePath))
            Skip = $"{ExecutablePath} is missing: install Debian's chromium (apt-get install -y chromium) to run the browser test";
    }
}
