using System.Reflection;
using MemoryPlatform.Grains.Contracts;
using MemoryPlatform.Runtime.Core;

namespace MemoryPlatform.Grains.Tests;

public sealed class ContractTests
{
    /// <summary>
    /// Generation-bound calls get ten minutes (per streamed item for Query) instead of the default 30 s; the
    /// attribute takes seconds, and a deadline in days would let a stuck decoder hold a gateway request for ever.
    /// </summary>
    [Theory]
    [InlineData(nameof(IDocumentGrain.Query))]
    [InlineData(nameof(IDocumentGrain.Reconstruct))]
    public void Generation_calls_have_a_ten_minute_deadline(string method)
    {
        var attribute = typeof(IDocumentGrain).GetMethod(method)!.GetCustomAttribute<CallTimeoutAttribute>();
        Assert.Equal(TimeSpan.FromMinutes(10), attribute?.Timeout);
    }
}
