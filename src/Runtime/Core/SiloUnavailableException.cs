namespace MemoryPlatform.Runtime.Core;

/// <summary>
/// The call could not reach a silo able to run it (no live silo, connection lost mid-call, control
/// Redis unreachable until the deadline). Whether the grain method ran is unknown when the
/// connection was lost after sending. The front end maps it to HTTP 503.
/// </summary>
public sealed class SiloUnavailableException : Exception
{
    public SiloUnavailableException(string message, Exception? inner = null) : base(message, inner)
    {
    }
}
