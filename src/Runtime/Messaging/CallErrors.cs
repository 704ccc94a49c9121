using MemoryPlatform.Runtime.Core;

namespace MemoryPlatform.Runtime.Messaging;

/// <summary>
/// Maps exceptions to wire errors and back, so a caller sees the same typed exception whether the
/// grain ran locally or on another silo: OverloadedException, TimeoutException,
/// OperationCanceledException, SiloUnavailableException, GrainCallException (anything a grain threw).
/// </summary>
internal static class CallErrors
{
    private const string Grain = "grain", Overloaded = "overloaded", Timeout = "timeout",
        Canceled = "canceled", NotDelivered = "notdelivered", Unavailable = "unavailable";

    /// <summary>Runtime exceptions pass through grain code unchanged; anything else becomes a GrainCallException.</summary>
    public static bool IsRuntimeError(Exception ex) => ex is GrainCallException or OverloadedException
        or TimeoutException or OperationCanceledException or SiloUnavailableException or CallNotDeliveredException;

    public static WireError ToWire(Exception ex) => ex switch
    {
        GrainCallException g => new WireError(Grain, g.RemoteExceptionType, g.Message, g.RemoteStackTrace),
        OverloadedException => new WireError(Overloaded, Name(ex), ex.Message, null),
        CallNotDeliveredException => new WireError(NotDelivered, Name(ex), ex.Message, null),
        SiloUnavailableException => new WireError(Unavailable, Name(ex), ex.Message, null),
        TimeoutException => new WireError(Timeout, Name(ex), ex.Message, null),
        OperationCanceledException => new WireError(Canceled, Name(ex), ex.Message, null),
        _ => new WireError(Grain, Name(ex), ex.Message, ex.StackTrace),
    };

    public static Exception FromWire(WireError error) => error.Code switch
    {
        Overloaded => new OverloadedException(error.Message),
        NotDelivered => new CallNotDeliveredException(error.Message),
        Unavailable => new SiloUnavailableException(error.Message),
        Timeout => new TimeoutException(error.Message),
        Canceled => new OperationCanceledException(error.Message),
        _ => new GrainCallException(error.Type, error.Message, error.Stack),
    };

    private static string Name(Exception ex) => ex.GetType().FullName ?? ex.GetType().Name;
}
