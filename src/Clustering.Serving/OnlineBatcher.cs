using System.Diagnostics;
using Clustering.Inference;

namespace Clustering.Serving;

/// <summary>
/// Batches online requests for one model on one device. Requests queue their token sequences (whole requests are
/// admitted or refused: the queue is bounded in tokens, and a full queue answers 429 with an estimate of when to
/// retry). One thread owns the device side: it takes up to <see cref="ServingLimits.PassesPerRound"/> passes' worth
/// of queued inputs, oldest first, cuts them into passes with <see cref="BatchPlanner"/> (shortest first), runs them through the model at online
/// priority (so they go before batch work on a shared device), and completes each request when its last input is
/// done. Inputs queue while the device is busy, so batches grow with the load; <see cref="ServingLimits.BatchWindow"/>
/// can hold a small batch back a little for more to join.
/// </summary>
public sealed class OnlineBatcher : IDisposable
{
    private readonly EmbeddingModel _model;
    private readonly ServingLimits _limits;
    private readonly ServingMetrics _metrics;
    private readonly Thread _thread;
    // Guards the queue and the counters beside it; the device thread sleeps on it (Monitor.Wait) when there is nothing to do.
    private readonly object _sync = new();
    private readonly Queue<Item> _queue = new();
    private long _queuedTokens;
    private int _queuedRequests;
    private long _rejected;
    private bool _stopping;
    private double _tokensPerSecond; // a smoothed measure of the device's online rate, for Retry-After

    public OnlineBatcher(EmbeddingModel model, ServingLimits limits, ServingMetrics metrics)
    {
        _model = model;
        _limits = limits;
        _metrics = metrics;
        _thread = new Thread(Loop) { IsBackground = true, Name = $"online {model.Device}" };
        _thread.Start();
    }

    public EmbeddingModel Model => _model;

    /// <summary>
    /// Queues the sequences and returns their pooled hidden states, (count, hidden) row-major. Throws
    /// <see cref="OpenAiErrorException"/> (429 with Retry-After) when the queue cannot take them now, or (503) when
    /// the server is stopping.
    /// </summary>
    public Task<float[]> EmbedAsync(IReadOnlyList<int[]> sequences, CancellationToken cancellationToken)
    {
        long tokens = 0;
        foreach (var s in sequences) tokens += s.Length;
        var request = new Request(sequences.Count, _model.Config.HiddenSize, cancellationToken);
        lock (_sync)
        {
            if (_stopping) throw new OpenAiErrorException(OpenAiError.Unavailable("The server is shutting down."));
            if (_queuedTokens > 0 && _queuedTokens + tokens > _limits.MaxQueuedTokens)
            {
                _rejected++;
                var rate = Math.Max(_tokensPerSecond, 1000);
                throw new OpenAiErrorException(
                    OpenAiError.Overloaded($"The server is busy: {_queuedTokens} tokens are waiting for the device (at most {_limits.MaxQueuedTokens}). Retry after the time in Retry-After."),
                    TimeSpan.FromSeconds(_queuedTokens / rate));
            }
            var now = Stopwatch.GetTimestamp();
            for (var i = 0; i < sequences.Count; i++) _queue.Enqueue(new Item(request, i, sequences[i], now));
            _queuedTokens += tokens;
            _queuedRequests++;
            Monitor.Pulse(_sync);
        }
        return request.Completion.Task;
    }

    /// <summary>Requests and tokens waiting now, and requests refused so far.</summary>
    public (int Requests, long Tokens, long Rejected) Depth()
    {
        lock (_sync) return (_queuedRequests, _queuedTokens, _rejected);
    }

    private void Loop()
    {
        var round = new List<Item>();
        var hidden = _model.Config.HiddenSize;
        float[] output = [];
        while (true)
        {
            round.Clear();
            if (!TakeRound(round)) return;
            var lengths = new int[round.Count];
            for (var i = 0; i < lengths.Length; i++) lengths[i] = round[i].Ids.Length;
            var started = Stopwatch.GetTimestamp();
            long done = 0;
            // Shortest first (equal lengths oldest first: the round is in queue order): short queries finish first,
            // and each pass holds inputs of similar length.
            foreach (var pass in BatchPlanner.Plan(lengths, _model.EffectiveBatchTokens, _model.MaxSequencesPerPass))
            {
                var sequences = new int[pass.Length][];
                var tokens = 0;
                for (var j = 0; j < pass.Length; j++)
                {
                    sequences[j] = round[pass[j]].Ids;
                    tokens += sequences[j].Length;
                }
                if (output.Length < pass.Length * hidden) output = new float[pass.Length * hidden];
                try
                {
                    _model.EmbedPooled(sequences, output.AsSpan(0, pass.Length * hidden), DevicePriority.Online);
                }
                catch (Exception e)
                {
                    for (var j = 0; j < pass.Length; j++) round[pass[j]].Request.Fail(e);
                    continue;
                }
                _metrics.Pass(pass.Length, tokens);
                done += tokens;
                for (var j = 0; j < pass.Length; j++)
                {
                    var item = round[pass[j]];
                    item.Request.Complete(item.Index, output.AsSpan(j * hidden, hidden));
                }
            }
            var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            if (seconds > 0 && done > 0)
            {
                var rate = done / seconds;
                lock (_sync) _tokensPerSecond = _tokensPerSecond == 0 ? rate : 0.8 * _tokensPerSecond + 0.2 * rate;
            }
        }
    }

    /// <summary>Waits for work and takes a round from the queue; false once stopping with nothing left.</summary>
    private bool TakeRound(List<Item> round)
    {
        lock (_sync)
        {
            while (_queue.Count == 0)
            {
                if (_stopping) return false;
                Monitor.Wait(_sync);
            }
            var passTokens = _model.EffectiveBatchTokens;
            if (_limits.BatchWindow > TimeSpan.Zero && _queuedTokens < passTokens)
            {
                // Hold a small batch back for others to join, at most the window after its oldest input arrived.
                var deadline = _queue.Peek().Enqueued + (long)(_limits.BatchWindow.TotalSeconds * Stopwatch.Frequency);
                while (!_stopping && _queuedTokens < passTokens)
                {
                    var left = deadline - Stopwatch.GetTimestamp();
                    if (left <= 0) break;
                    Monitor.Wait(_sync, TimeSpan.FromSeconds((double)left / Stopwatch.Frequency));
                }
            }
            var budget = (long)passTokens * _limits.PassesPerRound;
            long taken = 0;
            while (_queue.Count > 0 && (round.Count == 0 || taken + _queue.Peek().Ids.Length <= budget))
            {
                var item = _queue.Dequeue();
                _queuedTokens -= item.Ids.Length;
                if (item.Index == item.Request.Count - 1) _queuedRequests--;
                if (item.Request.Abandoned) continue; // its client went away: no device time for it
                round.Add(item);
                taken += item.Ids.Length;
            }
            return true;
        }
    }

    public void Dispose()
    {
        lock (_sync)
        {
            _stopping = true;
            Monitor.PulseAll(_sync);
        }
        _thread.Join();
    }

    private readonly record struct Item(Request Request, int Index, int[] Ids, long Enqueued);

    /// <summary>One request's inputs in flight: their vectors fill <see cref="Output"/>; the last one completes it.</summary>
    private sealed class Request(int count, int hidden, CancellationToken cancellation)
    {
        private int _remaining = count;
        public int Count { get; } = count;
        public float[] Output { get; } = new float[count * hidden];
        public TaskCompletionSource<float[]> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public bool Abandoned => cancellation.IsCancellationRequested || Completion.Task.IsCompleted;

        public void Complete(int index, ReadOnlySpan<float> vector)
        {
            vector.CopyTo(Output.AsSpan(index * hidden, hidden));
            if (Interlocked.Decrement(ref _remaining) == 0) Completion.TrySetResult(Output);
        }

        public void Fail(Exception e) => Completion.TrySetException(e);
    }
}
