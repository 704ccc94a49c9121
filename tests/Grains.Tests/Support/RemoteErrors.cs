using MemoryPlatform.Runtime.Core;

namespace MemoryPlatform.Grains.Tests.Support;

/// <summary>Grain exceptions arrive as GrainCallException naming the thrown type.</summary>
public static class RemoteErrors
{
    public static async Task<GrainCallException> ThrowsAsync<TException>(Func<Task> call) where TException : Exception
    {
        var e = await Assert.ThrowsAsync<GrainCallException>(call);
        Assert.True(e.RemoteExceptionType == typeof(TException).FullName,
            $"expected {typeof(TException).FullName}, got {e.RemoteExceptionType}: {e.Message}");
        return e;
    }
}
