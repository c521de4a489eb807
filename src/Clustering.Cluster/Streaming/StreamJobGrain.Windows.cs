using Clustering.Pipeline.Streaming;
using Clustering.Storage;
using Microsoft.Extensions.Logging;

namespace Clustering.Cluster.Streaming;

/// <summary>
/// Windows: sealing (the checkpoint records which journal objects form the window before anything is written),
/// committing (the window writer's create-if-absent manifest), and only then advancing the checkpoint. A crash at any
/// point replays the sealed window from the journal; a window whose manifest exists is not written again. The next
/// window is embedded while one is written (embedding writes nothing, so it may start before its window is sealed):
/// windows are still sealed, written and committed one at a time, in order.
/// </summary>
internal sealed partial class StreamJobGrain
{
    // Committed journal objects kept for the dedupe horizon, oldest first.
    private readonly Queue<(long Sequence, DateTimeOffset Written)> _committedJournal = new();
    // Windows in flight, oldest first, at most two: the head is sealed once the window before it is committed; the
    // second is being embedded (or waits, embedded) while the head is written. Rebuilt from the checkpoint on activation.
    private readonly List<WindowFlight> _flights = [];

    private async Task LoadAsync(StreamJobDefinition definition)
    {
        _definition = definition;
        _source = StreamSource.Parse(definition.Source);
        _spec = JobSpec.FromJson(definition.SpecJson);
        _journal = new StreamJournal(services.Outputs(_spec.Output));
        (_checkpoint, _etag) = await _journal.ReadCheckpointAsync();
        _pending.Clear();
        _flights.Clear();
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

    /// <summary>
    /// Moves the windows on, as far as they can go without waiting: a finished commit advances the checkpoint; the
    /// oldest window in flight is sealed once the one before it is committed, then written; the next window's
    /// embedding starts as soon as the device is done with the last one, so it runs while the window before it is
    /// written and committed. Waits only when forced (until nothing is left) or when a full window has no room
    /// (backpressure: the caller's delivery waits, the source falls behind).
    /// </summary>
    private async Task ProcessAsync(bool force)
    {
        while (_definition is not null)
        {
            if (_checkpoint.Paused) _flights.RemoveAll(f => f.Sealed is null); // not sealed: nothing of it was written
            var head = _flights.Count > 0 ? _flights[0] : null;
            if (head is null && _checkpoint.Sealed is { } restored)
            {
                // Sealed by an earlier activation: its commit looks for the manifest before embedding anything.
                _flights.Add(new WindowFlight(restored.From, restored.To, await EventsAsync(restored.From, restored.To)) { Sealed = restored });
                continue;
            }
            if (head?.Commit is { IsCompleted: true } commit)
            {
                WindowManifest manifest;
                try
                {
                    manifest = await commit;
                }
                catch
                {
                    // A store or model failure: the window stays sealed and is written again (embedded afresh) on the next turn.
                    (head.Commit, head.Embedding) = (null, null);
                    throw;
                }
                await FinishAsync(head.Sealed!, manifest);
                _flights.RemoveAt(0);
                continue;
            }
            if (head is { Sealed: null } && _checkpoint.Sealed is null)
            {
                head.Sealed = await SealAsync(head.From, head.To);
                continue;
            }
            if (head is { Sealed: { } sealedWindow, Commit: null })
            {
                head.Commit = StartCommit(head, sealedWindow);
                continue;
            }
            if (!_checkpoint.Paused && (_flights.Count == 0 || _flights.Count == 1 && _flights[0].DeviceDone) && NextWindow(force) is var (from, to))
            {
                var flight = new WindowFlight(from, to, await EventsAsync(from, to));
                flight.Embedding = services.Windows.EmbedAsync(_spec!, flight.Events, CancellationToken.None);
                AdvanceWhenDone(flight.Embedding);
                _flights.Add(flight);
                continue;
            }
            var running = _flights.Select(f => f.Commit ?? (Task?)f.Embedding).OfType<Task>().Where(t => !t.IsCompleted).ToList();
            var waiting = force ? _flights.Count > 0 || UnassignedEvents > 0 : UnassignedEvents >= _definition.WindowDocs;
            if (running.Count == 0 || !waiting) return;
            await Task.WhenAny(running);
        }
    }

    /// <summary>The journal objects of the next window after those in flight, when it is due (full, old enough, or forced).</summary>
    private (long From, long To)? NextWindow(bool force)
    {
        var assigned = _flights.Count > 0 ? _flights[^1].To : _checkpoint.CommittedThrough;
        var first = _pending.FindIndex(e => e.Sequence > assigned);
        if (first < 0) return null;
        var age = DateTimeOffset.UtcNow - _pending[first].ReceivedAt;
        if (!force && UnassignedEvents < _definition!.WindowDocs && age.TotalSeconds < _definition.WindowSeconds) return null;
        long events = 0;
        var end = first;
        while (end < _pending.Count && (end == first || events + _pending[end].Count <= _definition!.WindowDocs))
            events += _pending[end++].Count;
        return (_pending[first].Sequence, _pending[end - 1].Sequence);
    }

    /// <summary>Events journaled after the windows in flight.</summary>
    private long UnassignedEvents
    {
        get
        {
            var assigned = _flights.Count > 0 ? _flights[^1].To : _checkpoint.CommittedThrough;
            long events = 0;
            foreach (var entry in _pending)
                if (entry.Sequence > assigned) events += entry.Count;
            return events;
        }
    }

    /// <summary>Fixes the window (number, start, journal objects <paramref name="from"/>..<paramref name="to"/>) in the checkpoint before any of it is written.</summary>
    private async Task<SealedWindow> SealAsync(long from, long to)
    {
        var first = _pending.Find(e => e.Sequence == from)!;
        var startTime = first.ReceivedAt;
        if (_checkpoint.LatestStartTime is { } latest && startTime <= latest) startTime = latest.AddMilliseconds(1);
        startTime = new DateTimeOffset(startTime.UtcTicks - startTime.UtcTicks % TimeSpan.TicksPerMillisecond, TimeSpan.Zero);
        if (_checkpoint.LatestStartTime is { } previous && startTime <= previous) startTime = previous.AddMilliseconds(1);
        var window = new SealedWindow(_checkpoint.NextWindow, WindowLayout.StartOf(startTime), startTime, from, to, first.ReceivedAt);
        await SaveCheckpointAsync(_checkpoint with { Sealed = window });
        return window;
    }

    private async Task<List<JournaledEvent>> EventsAsync(long from, long to)
    {
        var events = new List<JournaledEvent>();
        foreach (var entry in _pending)
        {
            if (entry.Sequence < from || entry.Sequence > to) continue;
            var journaled = entry.Events ?? (await _journal!.ReadAsync(entry.Sequence)).Events;
            for (var i = 0; i < journaled.Texts.Length; i++) events.Add(new JournaledEvent(journaled.Texts[i], journaled.Positions[i]));
        }
        return events;
    }

    /// <summary>Writes the sealed window's part, errors and manifest off the grain's turn (its embedding, if started, is awaited there).</summary>
    private Task<WindowManifest> StartCommit(WindowFlight flight, SealedWindow window)
    {
        var work = new WindowWork(_definition!.Name, _spec!, window.Window, window.Start, window.From, window.To, flight.Events, window.FirstReceivedAt);
        var output = _journal!.Output;
        var writer = services.Windows;
        var embedding = flight.Embedding;
        var commit = Task.Run(() => embedding is null
            ? writer.CommitAsync(work, output, CancellationToken.None)
            : writer.CommitAsync(work, embedding, output, CancellationToken.None));
        AdvanceWhenDone(commit);
        return commit;
    }

    /// <summary>The window is committed: names it in <c>_latest.json</c>, then advances the checkpoint past it.</summary>
    private async Task FinishAsync(SealedWindow window, WindowManifest manifest)
    {
        await _journal!.WriteLatestAsync(manifest);
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
            _definition!.Name, manifest.Window, manifest.Start, manifest.Documents, manifest.Tombstones, manifest.Errors);
        await ForgetCommittedJournalAsync();
    }

    /// <summary>
    /// Work off the grain's turns tells the grain when it ends (a call like any other, queued behind the running turn), so
    /// the next window moves on at once rather than at the next tick.
    /// </summary>
    private void AdvanceWhenDone(Task task)
    {
        var self = this.AsReference<IStreamJobGrain>();
        _ = task.ContinueWith(static (_, grain) => ((IStreamJobGrain)grain!).Advance(), self, CancellationToken.None,
                TaskContinuationOptions.None, TaskScheduler.Default).Unwrap()
            .ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
    }

    /// <summary>Waits for the windows in flight to end, whatever their outcome (before the job is deleted).</summary>
    private async Task DrainAsync()
    {
        foreach (var flight in _flights)
            if ((flight.Commit ?? (Task?)flight.Embedding) is { } task)
                await Task.WhenAny(task);
        _flights.Clear();
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

/// <summary>A window on its way: its journal objects and events, its embedding, its seal and its commit (each null until started).</summary>
internal sealed class WindowFlight(long from, long to, List<JournaledEvent> events)
{
    public long From { get; } = from;
    public long To { get; } = to;
    public List<JournaledEvent> Events { get; } = events;
    public Task<WindowEmbedding>? Embedding { get; set; }
    public SealedWindow? Sealed { get; set; }
    public Task<WindowManifest>? Commit { get; set; }

    /// <summary>The device is done with it: embedded, or (a window replayed without an embedding of its own) committed.</summary>
    public bool DeviceDone => Embedding?.IsCompleted ?? Commit?.IsCompleted ?? false;
}
