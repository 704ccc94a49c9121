using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace MemoryPlatform.Grains.Tests.Support;

/// <summary>Routes runtime logs (Information and up) into the test's output, shown when a test fails.</summary>
public sealed class XunitLoggerProvider(ITestOutputHelper output) : ILoggerProvider
{
    private readonly DateTime _start = DateTime.UtcNow;

    public static ILoggerFactory CreateFactory(ITestOutputHelper output) =>
        LoggerFactory.Create(b => b.AddProvider(new XunitLoggerProvider(output)).SetMinimumLevel(LogLevel.Information)
            .AddFilter("Microsoft", LogLevel.Warning));

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName[(categoryName.LastIndexOf('.') + 1)..]);

    public void Dispose()
    {
    }

    private sealed class Logger(XunitLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
            Func<TState, Exception?, string> formatter)
        {
            var elapsed = (DateTime.UtcNow - provider._start).TotalSeconds;
            try
            {
                provider.Write($"{elapsed,7:F2}s {logLevel,-11} {category}: {formatter(state, exception)}" +
                               (exception is null ? "" : "\n" + exception));
            }
            catch (InvalidOperationException)
            {
                // The test finished; late log lines from background loops have nowhere to go.
            }
        }
    }

    private void Write(string line) => output.WriteLine(line);
}
