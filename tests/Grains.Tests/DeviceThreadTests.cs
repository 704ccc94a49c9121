using MemoryPlatform.Grains.Models;

namespace MemoryPlatform.Grains.Tests;

public sealed class DeviceThreadTests
{
    [Fact]
    public async Task Work_and_its_continuations_run_on_the_one_thread_in_order()
    {
        using var device = new DeviceThread("test device");
        var threads = new List<int>();
        var first = device.RunAsync(() => { threads.Add(Environment.CurrentManagedThreadId); return 1; });
        var second = device.RunAsync(async () =>
        {
            threads.Add(Environment.CurrentManagedThreadId);
            await Task.Yield();                       // resumes on the device thread, not on the pool
            threads.Add(Environment.CurrentManagedThreadId);
            await Task.Delay(10);
            threads.Add(Environment.CurrentManagedThreadId);
            return 2;
        });

        Assert.Equal(1, await first);
        Assert.Equal(2, await second);
        Assert.Single(threads.Distinct());
        Assert.NotEqual(Environment.CurrentManagedThreadId, threads[0]);
    }

    [Fact]
    public async Task Exceptions_and_cancellation_go_to_the_caller_and_the_thread_goes_on()
    {
        using var device = new DeviceThread("test device");
        await Assert.ThrowsAsync<InvalidOperationException>(() => device.RunAsync(new Func<int>(() => throw new InvalidOperationException("boom"))));
        await Assert.ThrowsAsync<ArgumentException>(() => device.RunAsync(async () =>
        {
            await Task.Yield();
            throw new ArgumentException("later");
        }));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => device.RunAsync(() => Task.FromCanceled(new CancellationToken(true))));
        Assert.Equal(3, await device.RunAsync(() => 3));
    }

    [Fact]
    public void After_dispose_no_work_is_taken()
    {
        var device = new DeviceThread("test device");
        device.Dispose();
        Assert.Throws<ObjectDisposedException>(() => { _ = device.RunAsync(() => 1); });
    }

    [Fact]
    public async Task Disposing_from_its_own_work_ends_the_thread_without_faulting_it()
    {
        var device = new DeviceThread("test device");
        Thread? thread = null;
        await device.RunAsync(() =>
        {
            thread = Thread.CurrentThread;
            device.Dispose();   // before: the queue was disposed under the loop that was still reading it
            return 0;
        });
        Assert.True(thread!.Join(TimeSpan.FromSeconds(30)), "the device thread did not end");
        Assert.Throws<ObjectDisposedException>(() => { _ = device.RunAsync(() => 1); });
    }
}
