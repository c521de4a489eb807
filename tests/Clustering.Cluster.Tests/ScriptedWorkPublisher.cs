using System.Collections.Concurrent;

namespace Clustering.Cluster.Tests;

/// <summary>
/// Wraps a silo's real work stream publisher: sends each item <see cref="Copies"/> times (an at-least-once queue
/// delivering twice), and leaves out the shards in <see cref="Held"/> (an item lost on the way) while they are held.
/// One instance serves every silo of a test's cluster.
/// </summary>
internal sealed class ScriptedWorkPublisher
{
    public int Copies { get; set; } = 1;

    /// <summary>Shards whose items are dropped; with <see cref="DropOnce"/>, each only the first time it is published.</summary>
    public ConcurrentDictionary<int, bool> Held { get; } = new();

    public bool DropOnce { get; set; }

    /// <summary>How many times each shard was put on the stream.</summary>
    public ConcurrentDictionary<int, int> Sent { get; } = new();

    public IShardWorkPublisher Wrap(IShardWorkPublisher real) => new Publisher(this, real);

    private sealed class Publisher(ScriptedWorkPublisher script, IShardWorkPublisher real) : IShardWorkPublisher
    {
        public async Task PublishAsync(ShardWork work)
        {
            var kept = work.Shards.Where(i => !(script.DropOnce ? script.Held.TryRemove(i, out _) : script.Held.ContainsKey(i))).ToArray();
            if (kept.Length == 0) return;
            for (var copy = 0; copy < script.Copies; copy++)
            {
                await real.PublishAsync(work with { Shards = kept });
                foreach (var i in kept) script.Sent.AddOrUpdate(i, 1, (_, n) => n + 1);
            }
        }
    }
}
