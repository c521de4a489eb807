using Clustering.Pipeline.Streaming;
using Clustering.Storage;
using Microsoft.Extensions.Logging;

namespace Clustering.Cluster.Streaming;

/// <summary>
/// Windows: sealing (the checkpoint records which journal objects form the window before anything is written),
/// committing (the window writer's create-if-absent manifest), and only then advancing the checkpoint. A crash at any
/// point replays the sealed window from the journal; a window whose manifest exists is not written again.
/// </summary>
internal sealed partial class StreamJobGrain
{
    // Committed journal objects kept for the dedupe horizon, oldest first.
    private readonly Queue<(long Sequence, DateTimeOffset Written)> _committedJournal = new();

    private async Task LoadAsync(StreamJobDefinition definition)
    {
        _definition = definition;
        _source = StreamSource.Parse(definition.Source);
        _spec = JobSpec.FromJson(definition.SpecJson);
        _journal = new StreamJournal(services.Outputs(_spec.Output));
        (_checkpoint, _etag) = await _journal.ReadCheckpointAsync();
        _pending.Clear();
        _seen.Clear();
        _committedJournal.Clear();
        _nextSequence = _checkpoint.CommittedThrough + 1;
        var horizon = DateTimeOffset.UtcNow - services.DedupeHorizon;
        foreach (var (sequence, written) in await _journal.ListAsync())
        {
            _nextSequence = Math.Max(_nextSequence, sequence + 1);
            if (sequence <= _checkpoint.CommittedThrough && written < horizon)
            {
                await _journal.DeleteAsync(sequence);
                continue;
            }
            var (receivedAt, events) = await _journal.ReadAsync(sequence);
            foreach (var text in events.Texts) _seen[HashOf(text)] = written;
            if (sequence <= _checkpoint.CommittedThrough) _committedJournal.Enqueue((sequence, written));
            else _pending.Add(new JournalEntry(sequence, receivedAt, events.Texts.Length) { Events = _checkpoint.Paused ? null : events });
        }
        if (_pending.Count > 0 || _checkpoint.Sealed is not null)
            log.LogInformation("stream job {Job}: resumed with {Events} uncommitted events in {Objects} journal objects{Sealed}", definition.Name,
                PendingEvents, _pending.Count, _checkpoint.Sealed is { } s ? $", window {s.Window} sealed" : "");
    }

    /// <summary>Commits a sealed window if there is one, then seals and commits windows that are full or old enough (all, when forced).</summary>
    private async Task ProcessAsync(bool force)
    {
        while (true)
        {
            if (_checkpoint.Sealed is { } sealedWindow)
            {
                await CommitAsync(sealedWindow);
                continue;
            }
            if (_checkpoint.Paused || _pending.Count == 0) return;
            var age = DateTimeOffset.UtcNow - _pending[0].ReceivedAt;
            if (!force && PendingEvents < _definition!.WindowDocs && age.TotalSeconds < _definition.WindowSeconds) return;
            await SealAsync();
        }
    }

    private async Task SealAsync()
    {
        long events = 0;
        var count = 0;
        while (count < _pending.Count && (count == 0 || events + _pending[count].Count <= _definition!.WindowDocs))
            events += _pending[count++].Count;
        var startTime = _pending[0].ReceivedAt;
        if (_checkpoint.LatestStartTime is { } latest && startTime <= latest) startTime = latest.AddMilliseconds(1);
        startTime = new DateTimeOffset(startTime.UtcTicks - startTime.UtcTicks % TimeSpan.TicksPerMillisecond, TimeSpan.Zero);
        if (_checkpoint.LatestStartTime is { } previous && startTime <= previous) startTime = previous.AddMilliseconds(1);
        var window = new SealedWindow(_checkpoint.NextWindow, WindowLayout.StartOf(startTime), startTime, _pending[0].Sequence,
            _pending[count - 1].Sequence, _pending[0].ReceivedAt);
        await SaveCheckpointAsync(_checkpoint with { Sealed = window });
    }

    private async Task CommitAsync(SealedWindow window)
    {
        var events = new List<JournaledEvent>();
        foreach (var entry in _pending)
        {
            if (entry.Sequence < window.From || entry.Sequence > window.To) continue;
            var journaled = entry.Events ?? (await _journal!.ReadAsync(entry.Sequence)).Events;
            for (var i = 0; i < journaled.Texts.Length; i++) events.Add(new JournaledEvent(journaled.Texts[i], journaled.Positions[i]));
        }
        var work = new WindowWork(_definition!.Name, _spec!, window.Window, window.Start, window.From, window.To, events, window.FirstReceivedAt);
        var manifest = await services.Windows.CommitAsync(work, _journal!.Output, CancellationToken.None);
        await _journal.WriteLatestAsync(manifest);
        await SaveCheckpointAsync(_checkpoint with
        {
            Sealed = null,
            CommittedThrough = window.To,
            NextWindow = window.Window + 1,
            CommittedWindows = _checkpoint.CommittedWindows + 1,
            CommittedEvents = _checkpoint.CommittedEvents + manifest.Events,
            CommittedErrors = _checkpoint.CommittedErrors + manifest.Errors,
            LatestWindow = manifest.Start,
            LatestStartTime = window.StartTime,
        });
        var now = DateTimeOffset.UtcNow;
        foreach (var entry in _pending)
            if (entry.Sequence <= window.To) _committedJournal.Enqueue((entry.Sequence, now));
        _pending.RemoveAll(e => e.Sequence <= window.To);
        _recentCommits.Enqueue((now, manifest.Events));
        _lastError = null;
        log.LogInformation("stream job {Job}: window {Window} ({Start}) committed: {Documents} documents, {Tombstones} deletions, {Errors} bad events",
            _definition.Name, manifest.Window, manifest.Start, manifest.Documents, manifest.Tombstones, manifest.Errors);
        await ForgetCommittedJournalAsync();
    }

    /// <summary>Removes committed journal objects older than the dedupe horizon.</summary>
    private async Task ForgetCommittedJournalAsync()
    {
        var horizon = DateTimeOffset.UtcNow - services.DedupeHorizon;
        while (_committedJournal.Count > 0 && _committedJournal.Peek().Written < horizon)
            await _journal!.DeleteAsync(_committedJournal.Dequeue().Sequence);
    }

    /// <summary>Writes the checkpoint fenced by its ETag; another activation having moved it means this one is stale and stops.</summary>
    private async Task SaveCheckpointAsync(StreamCheckpoint next)
    {
        try
        {
            _etag = await _journal!.WriteCheckpointAsync(next, _etag);
            _checkpoint = next;
        }
        catch (BlobConditionFailedException)
        {
            DeactivateOnIdle();
            throw new StreamJobException($"stream job '{_definition!.Name}': another activation moved its checkpoint; this one stops");
        }
    }
}
