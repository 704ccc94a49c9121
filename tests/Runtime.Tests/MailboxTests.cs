using MemoryPlatform.Runtime.Activation;
using MemoryPlatform.Runtime.Core;
using MemoryPlatform.Runtime.Messaging;

namespace MemoryPlatform.Runtime.Tests;

public sealed class MailboxTests
{
    private static async Task<ActivationMailbox.Turn> Admitted(ValueTask<ActivationMailbox.Turn?> entry) =>
        (await entry.AsTask().WaitAsync(TimeSpan.FromSeconds(10)))!;

    [Fact]
    public async Task Exclusive_requests_run_one_at_a_time_in_arrival_order()
    {
        var mailbox = new ActivationMailbox(null);
        var first = await Admitted(mailbox.EnterAsync(Interleaving.Exclusive, default));
        var second = mailbox.EnterAsync(Interleaving.Exclusive, default).AsTask();
        var third = mailbox.EnterAsync(Interleaving.Exclusive, default).AsTask();
        Assert.False(second.IsCompleted);
        first.Dispose();
        var secondTurn = await second.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(third.IsCompleted);
        secondTurn!.Dispose();
        (await third.WaitAsync(TimeSpan.FromSeconds(10)))!.Dispose();
        Assert.True(mailbox.IsIdle);
    }

    [Fact]
    public async Task Read_only_requests_share_but_never_overlap_an_exclusive_one()
    {
        var mailbox = new ActivationMailbox(null);
        var read1 = await Admitted(mailbox.EnterAsync(Interleaving.ReadOnly, default));
        var read2 = await Admitted(mailbox.EnterAsync(Interleaving.ReadOnly, default));
        var write = mailbox.EnterAsync(Interleaving.Exclusive, default).AsTask();
        var lateRead = mailbox.EnterAsync(Interleaving.ReadOnly, default).AsTask(); // no overtaking the writer
        Assert.False(write.IsCompleted);
        read1.Dispose();
        Assert.False(write.IsCompleted);
        read2.Dispose();
        var writeTurn = await write.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(lateRead.IsCompleted);
        writeTurn!.Dispose();
        (await lateRead.WaitAsync(TimeSpan.FromSeconds(10)))!.Dispose();
    }

    [Fact]
    public async Task Always_interleave_requests_bypass_the_queue()
    {
        var mailbox = new ActivationMailbox(null);
        var exclusive = await Admitted(mailbox.EnterAsync(Interleaving.Exclusive, default));
        var waiting = mailbox.EnterAsync(Interleaving.Exclusive, default).AsTask();
        var always = await Admitted(mailbox.EnterAsync(Interleaving.Always, default));
        always.Dispose();
        Assert.False(waiting.IsCompleted);
        exclusive.Dispose();
        (await waiting.WaitAsync(TimeSpan.FromSeconds(10)))!.Dispose();
    }

    [Fact]
    public async Task A_full_queue_refuses_with_OverloadedException()
    {
        var mailbox = new ActivationMailbox(maxQueueLength: 2);
        var running = await Admitted(mailbox.EnterAsync(Interleaving.Exclusive, default));
        var queued = new[] { mailbox.EnterAsync(Interleaving.Exclusive, default).AsTask(), mailbox.EnterAsync(Interleaving.Exclusive, default).AsTask() };
        Assert.Throws<OverloadedException>(() => mailbox.EnterAsync(Interleaving.Exclusive, default));
        running.Dispose();
        foreach (var q in queued) (await q.WaitAsync(TimeSpan.FromSeconds(10)))!.Dispose();
    }

    [Fact]
    public async Task A_cancelled_waiter_leaves_the_queue()
    {
        var mailbox = new ActivationMailbox(null);
        var running = await Admitted(mailbox.EnterAsync(Interleaving.Exclusive, default));
        using var cts = new CancellationTokenSource();
        var cancelled = mailbox.EnterAsync(Interleaving.Exclusive, cts.Token).AsTask();
        var next = mailbox.EnterAsync(Interleaving.Exclusive, default).AsTask();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        running.Dispose();
        (await next.WaitAsync(TimeSpan.FromSeconds(10)))!.Dispose();
        Assert.True(mailbox.IsIdle);
    }

    [Fact]
    public async Task Closing_releases_queued_requests_and_drains_running_ones()
    {
        var mailbox = new ActivationMailbox(null);
        var running = await Admitted(mailbox.EnterAsync(Interleaving.Exclusive, default));
        var queued = mailbox.EnterAsync(Interleaving.Exclusive, default).AsTask();
        Assert.False(mailbox.TryCloseIfIdle());
        mailbox.Close();
        Assert.Null(await queued.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Null(await mailbox.EnterAsync(Interleaving.Always, default));
        var drained = mailbox.WaitDrainedAsync();
        Assert.False(drained.IsCompleted);
        running.Dispose();
        await drained.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
