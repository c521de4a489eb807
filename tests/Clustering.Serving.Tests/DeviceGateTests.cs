using System.Collections.Concurrent;
using Clustering.Inference;

namespace Clustering.Serving.Tests;

public sealed class DeviceGateTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>Starts a thread that takes the gate, records its turn and lets go; returns once it waits.</summary>
    private static Thread Waiter(DeviceGate gate, DevicePriority priority, string name, ConcurrentQueue<string> order, Func<DeviceGateSnapshot, bool> waiting)
    {
        var thread = new Thread(() =>
        {
            using var lease = gate.Enter(priority);
            order.Enqueue(name);
        });
        thread.Start();
        SpinWait.SpinUntil(() => waiting(gate.Snapshot()), Patience);
        Assert.True(waiting(gate.Snapshot()), $"{name} never waited");
        return thread;
    }

    [Fact]
    public void A_waiting_online_pass_goes_before_a_batch_pass_that_waited_longer()
    {
        var gate = new DeviceGate();
        var order = new ConcurrentQueue<string>();
        var held = gate.Enter(DevicePriority.Batch);
        var batch = Waiter(gate, DevicePriority.Batch, "batch", order, s => s.BatchWaiting == 1);
        var online = Waiter(gate, DevicePriority.Online, "online", order, s => s.OnlineWaiting == 1);
        held.Dispose();
        Assert.True(batch.Join(Patience) && online.Join(Patience));
        Assert.Equal(["online", "batch"], order);
        var snapshot = gate.Snapshot();
        Assert.Equal((1, 2), (snapshot.OnlinePasses, snapshot.BatchPasses));
    }

    [Fact]
    public void Batch_work_gets_its_pass_after_at_most_the_allowed_online_passes()
    {
        var gate = new DeviceGate(onlinePassesPerBatchPass: 3);
        var order = new ConcurrentQueue<string>();
        var held = gate.Enter(DevicePriority.Online);
        var threads = new List<Thread> { Waiter(gate, DevicePriority.Batch, "batch", order, s => s.BatchWaiting == 1) };
        for (var i = 0; i < 6; i++)
        {
            var count = i + 1;
            threads.Add(Waiter(gate, DevicePriority.Online, "online", order, s => s.OnlineWaiting == count));
        }
        held.Dispose();
        foreach (var t in threads) Assert.True(t.Join(Patience));
        // Six online passes waited with the batch pass: three go, then the batch pass, then the other three.
        Assert.Equal(["online", "online", "online", "batch", "online", "online", "online"], order);
    }

    [Fact]
    public void Batch_passes_shrink_while_online_work_is_about()
    {
        var gate = new DeviceGate(onlineActiveFor: TimeSpan.FromMinutes(5));
        using var model = Clustering.Inference.EmbeddingModel.Load(TinyModel.Path,
            new EmbeddingOptions { BatchTokens = 64, MaxLength = 64, Threads = 1 }, new Clustering.Inference.Cpu.CpuOps(new Clustering.Inference.Cpu.CpuOptions { Threads = 1 }), gate);
        var sequences = Enumerable.Range(0, 8).Select(i => Enumerable.Range(10 + i, 8).ToArray()).ToArray(); // 8 × 8 = 64 tokens
        var output = new float[8 * model.Dimensions];
        Assert.False(gate.OnlineActive);
        model.Embed(sequences, output);
        Assert.Equal(1, gate.Snapshot().BatchPasses); // the whole budget in one pass
        var alone = output.ToArray();
        model.EmbedPooled(sequences[..1], new float[model.Config.HiddenSize]);
        Assert.True(gate.OnlineActive);
        model.Embed(sequences, output);
        Assert.Equal(1 + 4, gate.Snapshot().BatchPasses); // a quarter of the budget per pass: 16 tokens, two sequences
        for (var i = 0; i < output.Length; i++) Assert.Equal(alone[i], output[i], 1e-5f);
    }

    [Fact]
    public void Alone_each_kind_goes_at_once()
    {
        var gate = new DeviceGate();
        using (gate.Enter(DevicePriority.Batch)) { }
        using (gate.Enter(DevicePriority.Online)) { }
        using (gate.Enter(DevicePriority.Batch)) { }
        var s = gate.Snapshot();
        Assert.Equal((1L, 2L, 0, 0), (s.OnlinePasses, s.BatchPasses, s.OnlineWaiting, s.BatchWaiting));
    }
}
