using MemoryPlatform.Cli.Chaos;

namespace MemoryPlatform.Cli.Tests;

/// <summary>How the chaos run judges a failed request against the faults it injected.</summary>
public sealed class FaultTimelineTests
{
    private static RequestRecord Request(long start, long end, int status) => new("faults", "GET", "v1/documents/x", start, end, status, null);

    [Fact]
    public void A_retryable_failure_in_flight_during_a_fault_is_excused_and_nothing_else_is()
    {
        var timeline = new FaultTimeline();
        var fault = timeline.Begin("SIGKILL silo-1", at: 100);
        timeline.Detected(fault, at: 200);
        var ledger = new RequestLedger();
        ledger.Add(Request(50, 150, 503));    // started before the kill, failed during it: retryable, excused
        ledger.Add(Request(150, 250, 504));   // started inside the window: excused
        ledger.Add(Request(120, 180, 500));   // inside, but a 500 is never a retryable answer
        ledger.Add(Request(201, 300, 503));   // started after the platform noticed: a server error
        ledger.Add(Request(10, 90, 503));     // before the fault: a server error
        ledger.Add(Request(150, 160, 0));     // no HTTP answer at all: the gateway never dies, so a server error
        ledger.Add(Request(150, 160, 429));   // a 4xx is never a server error
        ledger.Add(Request(300, 400, 200));

        var errors = ledger.ServerErrors(timeline);

        Assert.Equal([(120L, 500), (201L, 503), (10L, 503), (150L, 0)], errors.Select(e => (e.Start, e.Status)).ToArray());
    }

    [Fact]
    public void A_fault_not_yet_detected_excuses_every_retryable_failure_after_it()
    {
        var timeline = new FaultTimeline();
        timeline.Begin("redis restart", at: 100);
        Assert.True(timeline.Excuses(Request(5_000, 6_000, 503)));
        Assert.False(timeline.Excuses(Request(5_000, 6_000, 502)));
        Assert.False(timeline.Excuses(Request(10, 20, 503)));
    }
}
