using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Clustering.Pipeline;
using Clustering.Pipeline.Streaming;
using Clustering.Storage;
using Microsoft.Extensions.Logging;

namespace Clustering.Cluster.Streaming;

/// <summary>
/// One stream job (see <see cref="IStreamJobGrain"/>). Non-reentrant on purpose: each turn sees its state alone. A
/// window is embedded and written off the grain's turns (the next one embedded while one is written); when both are
/// busy and another window is full, deliveries wait, so the source falls behind instead of events piling up here. Its state is rebuilt on
/// activation from the catalog (definition), the checkpoint and the journal, all in the job's output store.
/// </summary>
internal sealed partial class StreamJobGrain(StreamServices services, StreamCatalog catalog, StreamSourceRegistry sources, ILogger<StreamJobGrain> log)
    : Grain, IStreamJobGrain
{
    private StreamJobDefinition? _definition;
    private StreamSource? _source;
    private JobSpec? _spec;
    private StreamJournal? _journal;
    private StreamCheckpoint _checkpoint = new();
    private string? _etag;
    private long _nextSequence;
    // Uncommitted journal objects in sequence order; the events of the open window (and of a sealed one) in memory.
    private readonly List<JournalEntry> _pending = [];
    // Hashes of event texts journaled within the dedupe horizon, and when: a redelivered text is dropped.
    private readonly Dictionary<ulong, DateTimeOffset> _seen = [];
    private readonly Queue<(DateTimeOffset At, long Events)> _recentCommits = new();
    private long _redelivered;
    private string? _lastError;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (await catalog.GetAsync(this.GetPrimaryKeyString()) is { } definition) await LoadAsync(definition);
        this.RegisterGrainTimer(TickAsync, new GrainTimerCreationOptions(services.Tick, services.Tick) { Interleave = false, KeepAlive = true });
    }

    public async Task<StreamJobStatus> Create(StreamJobDefinition definition)
    {
        if (definition.Name != this.GetPrimaryKeyString())
            throw new StreamJobException($"stream job '{this.GetPrimaryKeyString()}': the definition names '{definition.Name}'");
        StreamSource source;
        try
        {
            source = Validate(definition);
        }
        catch (ClusteringException e)
        {
            throw new StreamJobException(e.Message);
        }
        if (_definition is not null)
        {
            if (_definition == definition) return Snapshot();
            throw new StreamJobException($"stream job '{definition.Name}' exists with another definition (source {_definition.Source}); delete it first");
        }
        bool created;
        try
        {
            created = await catalog.TryCreateAsync(definition, source.Uri);
        }
        catch (ClusteringException e)
        {
            throw new StreamJobException(e.Message);
        }
        if (!created)
        {
            var existing = await catalog.GetAsync(definition.Name);
            if (existing != definition) throw new StreamJobException($"stream job '{definition.Name}' exists with another definition; delete it first");
        }
        await LoadAsync(definition);
        log.LogInformation("stream job {Job}: created on {Source}, output {Output}", definition.Name, source.Uri, _spec!.Output);
        return Snapshot();
    }

    public Task<StreamJobStatus> Status() => Task.FromResult(Snapshot());

    public async Task Deliver(StreamEventBatch batch)
    {
        if (_definition is null || _journal is null) throw new StreamJobException($"stream job '{this.GetPrimaryKeyString()}' does not exist");
        var now = DateTimeOffset.UtcNow;
        var texts = new List<string>(batch.Texts.Length);
        var positions = new List<string>(batch.Texts.Length);
        var hashes = new List<ulong>(batch.Texts.Length);
        for (var i = 0; i < batch.Texts.Length; i++)
        {
            var hash = HashOf(batch.Texts[i]);
            if (_seen.ContainsKey(hash) || hashes.Contains(hash))
            {
                _redelivered++;
                continue;
            }
            texts.Add(batch.Texts[i]);
            positions.Add(batch.Positions[i]);
            hashes.Add(hash);
        }
        if (texts.Count > 0)
        {
            var events = new JournaledEvents([.. texts], [.. positions]);
            var sequence = _nextSequence;
            try
            {
                await _journal.WriteAsync(sequence, batch.ReceivedAt, events);
            }
            catch (BlobConditionFailedException)
            {
                // Another activation wrote this sequence number: this one is stale. The source redelivers to the live one.
                DeactivateOnIdle();
                throw new StreamJobException($"stream job '{_definition.Name}': journal object {sequence} exists; this activation stops");
            }
            _nextSequence = sequence + 1;
            foreach (var hash in hashes) _seen[hash] = now;
            _pending.Add(new JournalEntry(sequence, batch.ReceivedAt, texts.Count) { Events = _checkpoint.Paused ? null : events });
        }
        await ProcessAsync(force: false);
    }

    public Task Advance() => TickAsync(CancellationToken.None);

    public async Task<StreamJobStatus> Pause()
    {
        RequireDefinition();
        if (!_checkpoint.Paused) await SaveCheckpointAsync(_checkpoint with { Paused = true });
        // A window already sealed is part of the output's history: finish its commit now, so that what Pause answers
        // is what the output holds until Resume (an unsealed one is dropped, its events stay journaled).
        await ProcessOrRecordAsync(force: true);
        return Snapshot();
    }

    public async Task<StreamJobStatus> Resume()
    {
        RequireDefinition();
        if (_checkpoint.Paused) await SaveCheckpointAsync(_checkpoint with { Paused = false });
        await ProcessAsync(force: false);
        return Snapshot();
    }

    public async Task<bool> Delete()
    {
        if (_definition is null) return false;
        await DrainAsync();
        await catalog.DeleteAsync(_definition, _source!.Uri);
        foreach (var (sequence, _) in await _journal!.ListAsync()) await _journal.DeleteAsync(sequence);
        await _journal.Output.DeleteAsync(WindowLayout.Checkpoint);
        log.LogInformation("stream job {Job}: deleted; its committed windows stay in {Output}", _definition.Name, _spec!.Output);
        _definition = null;
        DeactivateOnIdle();
        return true;
    }

    public async Task<StreamJobStatus> Flush()
    {
        RequireDefinition();
        await ProcessAsync(force: true);
        return Snapshot();
    }

    private async Task TickAsync(CancellationToken cancellationToken)
    {
        if (_definition is null) return;
        if (await ProcessOrRecordAsync(force: false)) ForgetOldHashes();
    }

    /// <summary>
    /// ProcessAsync for the callers that must not fail on a store or model failure (the timer, Pause): the window
    /// stays sealed and is retried on the next tick, and show says why. False when it failed.
    /// </summary>
    private async Task<bool> ProcessOrRecordAsync(bool force)
    {
        try
        {
            await ProcessAsync(force);
            return true;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _lastError = $"{DateTimeOffset.UtcNow:O}: {e.Message}";
            log.LogError("stream job {Job}: {Message}", _definition!.Name, e.Message);
            return false;
        }
    }

    private StreamSource Validate(StreamJobDefinition definition)
    {
        if (definition.Name.Length is 0 or > 64 || !definition.Name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            throw new ClusteringException($"stream job name '{definition.Name}': 1-64 letters, digits, '-', '_' or '.'");
        if (definition.WindowDocs < 1) throw new ClusteringException($"--window-docs: must be at least 1 (got {definition.WindowDocs})");
        if (!(definition.WindowSeconds > 0)) throw new ClusteringException($"--window-seconds: must be positive (got {definition.WindowSeconds})");
        var source = StreamSource.Parse(definition.Source);
        if (!sources.IsConfigured(source))
        {
            var configured = sources.Configured.Count == 0 ? "none" : string.Join(", ", sources.Configured);
            throw new ClusteringException($"--source {source.Uri}: not configured on this cluster's silos (configured: {configured})");
        }
        var spec = JobSpec.FromJson(definition.SpecJson);
        if (string.IsNullOrWhiteSpace(spec.Model)) throw new ClusteringException("--model: a model directory is required");
        if (string.IsNullOrWhiteSpace(spec.Output)) throw new ClusteringException("--output: an output location is required");
        if (spec.Input.KeepFields.Contains(StreamWindowWriter.DeletedColumn))
            throw new ClusteringException($"--keep-fields: '{StreamWindowWriter.DeletedColumn}' is the tombstone column of stream output");
        EmbeddingDescriptions.Describe(spec); // refuses a missing or unusable model now, not at the first window
        return source;
    }

    private void RequireDefinition()
    {
        if (_definition is null) throw new StreamJobException($"stream job '{this.GetPrimaryKeyString()}' does not exist");
    }

    private long PendingEvents => _pending.Sum(e => (long)e.Count);

    private StreamJobStatus Snapshot()
    {
        var name = this.GetPrimaryKeyString();
        if (_definition is null) return new StreamJobStatus(name, "", "", "absent", 0, null, 0, 0, 0, 0, 0, 0, null, RuntimeIdentity);
        var now = DateTimeOffset.UtcNow;
        var state = sources.UnavailableBecause(_source!) is { } why ? "source-unavailable" : _checkpoint.Paused ? "paused" : "running";
        var lastError = sources.UnavailableBecause(_source!) ?? _lastError;
        var lagSeconds = _pending.Count == 0 ? 0 : Math.Max(0, (now - _pending[0].ReceivedAt).TotalSeconds);
        while (_recentCommits.Count > 0 && now - _recentCommits.Peek().At > TimeSpan.FromMinutes(1)) _recentCommits.Dequeue();
        var rate = _recentCommits.Count == 0 ? 0 : _recentCommits.Sum(c => c.Events) / Math.Max(1, (now - _recentCommits.Peek().At).TotalSeconds);
        return new StreamJobStatus(name, _source!.Uri, _spec!.Output, state, _checkpoint.CommittedWindows, _checkpoint.LatestWindow,
            _checkpoint.CommittedEvents, _checkpoint.CommittedErrors, PendingEvents, lagSeconds, rate, _redelivered, lastError, RuntimeIdentity,
            _definition.WindowDocs, _definition.WindowSeconds);
    }

    /// <summary>64 bits of the text's SHA-256: a collision (which would drop an event) is out of reach for any horizon's worth of events.</summary>
    internal static ulong HashOf(string text) => BinaryPrimitives.ReadUInt64LittleEndian(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private void ForgetOldHashes()
    {
        var horizon = DateTimeOffset.UtcNow - services.DedupeHorizon;
        if (_seen.Count == 0) return;
        foreach (var (hash, at) in _seen)
            if (at < horizon) _seen.Remove(hash);
    }
}
