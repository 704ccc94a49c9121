using MemoryPlatform.Grains.Models;
using MemoryPlatform.Grains.Storage;
using Microsoft.Extensions.Logging;

namespace MemoryPlatform.Grains.Encoders;

/// <summary>
/// Queues again the encodes of a document's pending spans whose jobs are no longer in the encode stream. A pending span
/// (not in the done set) is finished only by its job, and the job lives in the stream until a consumer has committed it.
/// A hard Redis crash (the last writes not yet fsynced to the AOF), a silo dying between writing a document and queueing
/// its jobs, or a trimmed stream can lose jobs while the document still lists their spans as pending: without this
/// check such an ingest never finishes.
/// Invariants:
/// - only a span whose current entry has no job in the stream is queued, so a document whose jobs merely wait (behind a
///   backlog, or pending on a dead consumer until XAUTOCLAIM moves them) gets no duplicates;
/// - the stream is read between two reads of the pending spans, and only spans pending in both are candidates: a job
///   that leaves the stream during the scan was committed before it left (consumers XACK after the commit), so its
///   span is no longer pending at the second read; a span that turned pending during the scan was queued by whoever
///   made it pending;
/// - a duplicate that slips through anyway costs one encode, never a wrong result: an encode commits only while its
///   entry is current, and equal versions write equal bytes.
/// - the repair is recorded on the document (its status names it) before the jobs are queued, and only while the document
///   is still encoding: a job queued first could finish the document before the note, and a document finished, failed or
///   deleted after the second read gets nothing queued.
/// Cost: at most one pass over the stream (XRANGE pages), which stops early once every pending span's job was seen.
/// </summary>
public sealed class LostJobRecovery(EncodeQueue queue, DocumentStore documents, ILogger<LostJobRecovery> logger)
{
    /// <summary>Queues the lost jobs of <paramref name="tenant"/>/<paramref name="docId"/>, recording the repair with
    /// <paramref name="cause"/> (why the document looked) in its status; returns how many.</summary>
    public async Task<int> RequeueLostAsync(string tenant, string docId, string cause, CancellationToken ct)
    {
        var before = await documents.PendingSpansAsync(tenant, docId).WaitAsync(ct).ConfigureAwait(false);
        if (before.Count == 0) return 0;
        var missing = before.Select(p => (p.Span, Entry: p.Entry.Format())).ToHashSet();
        await foreach (var entry in queue.ScanAsync(ct).ConfigureAwait(false))
        {
            if (EncodeJob.FromFields(entry.Fields) is { } job && job.Tenant == tenant && job.DocId == docId)
                missing.Remove((job.Span, job.Entry.Format()));
            if (missing.Count == 0) return 0;
        }
        var after = await documents.PendingSpansAsync(tenant, docId).WaitAsync(ct).ConfigureAwait(false);
        var lost = after.Where(p => missing.Contains((p.Span, p.Entry.Format())))
            .Select(p => new EncodeJob(tenant, docId, p.Span, p.Entry)).ToList();
        if (lost.Count == 0) return 0;
        var repair = DocumentRecord.RepairNote(
            $"{cause}: {lost.Count} of {after.Count} unfinished spans had no job in the encode stream, queued again");
        if (!await documents.NoteRepairAsync(tenant, docId, repair).WaitAsync(ct).ConfigureAwait(false)) return 0;
        await queue.EnqueueAsync(lost).WaitAsync(ct).ConfigureAwait(false);
        GrainsMetrics.Requeued.Add(lost.Count);
        logger.LogWarning("{Tenant}/{DocId}: {Lost} of {Pending} pending spans had no job in the encode stream; queued again",
            tenant, docId, lost.Count, after.Count);
        return lost.Count;
    }
}
