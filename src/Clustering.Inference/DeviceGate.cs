using System.Diagnostics;

namespace Clustering.Inference;

/// <summary>
/// One device, two kinds of work: every forward pass holds the gate, so passes never overlap, and when the device
/// frees up a waiting online pass goes before a waiting batch pass. Batch work is never starved: once it has waited
/// through <see cref="OnlinePassesPerBatchPass"/> online passes, the next pass is its own. A pass is the unit, so an
/// online request waits at most one batch pass for the device; while online work is about (<see cref="OnlineActive"/>)
/// batch passes are cut to a <see cref="BatchShrink"/>th of their budget, so that wait stays short.
/// </summary>
public sealed class DeviceGate
{
    public const int DefaultOnlinePassesPerBatchPass = 4;

    /// <summary>Batch passes hold this fraction (1/n) of their token budget while online work is about.</summary>
    public const int BatchShrink = 4;

    private readonly long _activeTicks; // online work "is about" this long after its last pass began

    // Guards every field below; waiters sleep on it (Monitor.Wait) until a pass ends.
    private readonly object _sync = new();
    private bool _busy;
    private int _onlineWaiting;
    private int _batchWaiting;
    private int _onlineWhileBatchWaited;
    private long _onlineTicks;
    private long _batchTicks;
    private long _onlinePasses;
    private long _batchPasses;
    private long _lastOnline; // Stopwatch timestamp of the last online pass's start; read without the lock

    /// <param name="onlineActiveFor">How long after an online pass batch passes stay short (default 1 s).</param>
    public DeviceGate(int onlinePassesPerBatchPass = DefaultOnlinePassesPerBatchPass, TimeSpan? onlineActiveFor = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(onlinePassesPerBatchPass, 1);
        OnlinePassesPerBatchPass = onlinePassesPerBatchPass;
        _activeTicks = (long)((onlineActiveFor ?? TimeSpan.FromSeconds(1)).TotalSeconds * Stopwatch.Frequency);
    }

    /// <summary>Online passes that may go while a batch pass waits before the batch pass gets its turn.</summary>
    public int OnlinePassesPerBatchPass { get; }

    /// <summary>Blocks until this pass may use the device; dispose the lease when the pass is done.</summary>
    public Lease Enter(DevicePriority priority)
    {
        lock (_sync)
        {
            if (priority == DevicePriority.Online) _onlineWaiting++;
            else if (_batchWaiting++ == 0) _onlineWhileBatchWaited = 0;
            while (_busy || !MayGo(priority)) Monitor.Wait(_sync);
            _busy = true;
            if (priority == DevicePriority.Online)
            {
                Volatile.Write(ref _lastOnline, Stopwatch.GetTimestamp());
                _onlineWaiting--;
                if (_batchWaiting > 0) _onlineWhileBatchWaited++;
            }
            else
            {
                _batchWaiting--;
                _onlineWhileBatchWaited = 0;
            }
        }
        return new Lease(this, priority, Stopwatch.GetTimestamp());
    }

    /// <summary>True while online passes wait or one ran in the last second: batch passes then shrink.</summary>
    public bool OnlineActive
    {
        get
        {
            var last = Volatile.Read(ref _lastOnline);
            return Volatile.Read(ref _onlineWaiting) > 0 || (last != 0 && Stopwatch.GetTimestamp() - last < _activeTicks);
        }
    }

    private bool MayGo(DevicePriority priority)
    {
        var batchDue = _batchWaiting > 0 && _onlineWhileBatchWaited >= OnlinePassesPerBatchPass;
        return priority == DevicePriority.Online ? !batchDue : _onlineWaiting == 0 || batchDue;
    }

    private void Exit(DevicePriority priority, long started)
    {
        var ticks = Stopwatch.GetTimestamp() - started;
        lock (_sync)
        {
            _busy = false;
            if (priority == DevicePriority.Online)
            {
                _onlineTicks += ticks;
                _onlinePasses++;
            }
            else
            {
                _batchTicks += ticks;
                _batchPasses++;
            }
            Monitor.PulseAll(_sync);
        }
    }

    /// <summary>Device time and passes so far, per priority (for /metrics).</summary>
    public DeviceGateSnapshot Snapshot()
    {
        lock (_sync)
            return new DeviceGateSnapshot(_onlinePasses, _batchPasses, (double)_onlineTicks / Stopwatch.Frequency, (double)_batchTicks / Stopwatch.Frequency,
                _onlineWaiting, _batchWaiting);
    }

    /// <summary>The device, held for one pass.</summary>
    public readonly struct Lease : IDisposable
    {
        private readonly DeviceGate _gate;
        private readonly DevicePriority _priority;
        private readonly long _started;

        internal Lease(DeviceGate gate, DevicePriority priority, long started)
        {
            _gate = gate;
            _priority = priority;
            _started = started;
        }

        public void Dispose() => _gate?.Exit(_priority, _started);
    }
}

/// <summary>What a <see cref="DeviceGate"/> has let through: passes and seconds on the device per priority, and who waits now.</summary>
public sealed record DeviceGateSnapshot(long OnlinePasses, long BatchPasses, double OnlineSeconds, double BatchSeconds, int OnlineWaiting, int BatchWaiting);
