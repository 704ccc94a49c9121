namespace MemoryPlatform.Runtime.Core;

/// <summary>
/// A grain method (or its activation) threw. Exceptions do not travel as objects: the caller gets
/// the original type name and message, wherever the grain ran (same silo or another).
/// </summary>
public sealed class GrainCallException : Exception
{
    public GrainCallException(string remoteExceptionType, string message, string? remoteStackTrace = null)
        : base(message)
    {
        RemoteExceptionType = remoteExceptionType;
        RemoteStackTrace = remoteStackTrace;
    }

    /// <summary>Full type name of the exception thrown in the grain, e.g. System.ArgumentException.</summary>
    public string RemoteExceptionType { get; }

    public string? RemoteStackTrace { get; }

    public static GrainCallException From(Exception exception) =>
        new(exception.GetType().FullName ?? exception.GetType().Name, exception.Message, exception.StackTrace);

    public override string ToString() =>
        $"{GetType().FullName}: {RemoteExceptionType}: {Message}\n--- remote ---\n{RemoteStackTrace}\n--- local ---\n{StackTrace}";
}
