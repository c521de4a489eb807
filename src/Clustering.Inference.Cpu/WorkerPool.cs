namespace Clustering.Inference.Cpu;

/// <summary>Work split into <c>count</c> independent items; <see cref="Execute"/> runs one of them on worker <c>worker</c>.</summary>
internal interface IParallelWork
{
    void Execute(int item, int worker);
}

/// <summary>
/// A fixed set of threads that run one <see cref="IParallelWork"/> at a time: the caller is worker 0 and the
/// pool's threads are workers 1..n-1; items are claimed with an atomic counter (dynamic balancing, so uneven
/// items such as attention over long and short sequences even out). Runs allocate nothing, unlike Parallel.For,
/// and the worker index lets kernels use per-thread scratch without locks.
/// </summary>
internal sealed class WorkerPool : IDisposable
{
    private readonly Thread[] _threads;
    private readonly SemaphoreSlim _start;
    private readonly CountdownEvent _done;
    private IParallelWork? _work;
    private int _count;
    private int _next;
    private volatile bool _stopping;
    private Exception? _failure;

    public int Workers { get; }

    public WorkerPool(int workers)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        Workers = workers;
        _start = new SemaphoreSlim(0);
        _done = new CountdownEvent(1);
        _threads = new Thread[workers - 1];
        for (var i = 0; i < _threads.Length; i++)
        {
            var worker = i + 1;
            _threads[i] = new Thread(() => Loop(worker)) { IsBackground = true, Name = $"cpu-ops-{worker}" };
            _threads[i].Start();
        }
    }

    /// <summary>Runs items [0, count) across the workers and returns when all are done; rethrows the first failure.</summary>
    public void Run(IParallelWork work, int count)
    {
        if (count <= 0) return;
        if (count == 1 || _threads.Length == 0)
        {
            for (var i = 0; i < count; i++) work.Execute(i, 0);
            return;
        }
        _work = work;
        _count = count;
        _next = 0;
        _failure = null;
        var helpers = Math.Min(_threads.Length, count - 1);
        _done.Reset(helpers);
        _start.Release(helpers);
        Drain(0);
        _done.Wait();
        _work = null;
        if (_failure is { } failure) throw new AggregateException("a CPU kernel failed", failure);
    }

    private void Loop(int worker)
    {
        while (true)
        {
            _start.Wait();
            if (_stopping) return;
            Drain(worker);
            _done.Signal();
        }
    }

    private void Drain(int worker)
    {
        var work = _work!;
        try
        {
            int item;
            while ((item = Interlocked.Increment(ref _next) - 1) < _count) work.Execute(item, worker);
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref _failure, e, null);
            Volatile.Write(ref _next, _count); // the others stop claiming
        }
    }

    public void Dispose()
    {
        _stopping = true;
        if (_threads.Length > 0) _start.Release(_threads.Length);
        foreach (var t in _threads) t.Join();
        _start.Dispose();
        _done.Dispose();
    }
}
