using Clustering.Coordination;
using Clustering.Corpus;
using ShardPlan = Clustering.Corpus.ShardPlan;

namespace Clustering.Pipeline;

/// <summary>
/// Turns a job spec into its shards: resolves the inputs (files, folders, globs, blob prefixes), cuts them into
/// shards of about <see cref="JobSpec.ShardDocs"/> documents, and stores each shard's slice of the plan. Every
/// shard's spec carries the whole plan's inputs, so a worker needs nothing but the shard record to read it.
/// </summary>
public sealed class JobPlanner(InputStores inputs)
{
    public async Task<ShardPlan> PlanAsync(JobSpec spec, CancellationToken cancellationToken = default)
    {
        var resolved = await new InputResolver(inputs).ResolveAsync(spec.Inputs, cancellationToken).ConfigureAwait(false);
        if (resolved.Count == 0)
            throw new ClusteringException($"--input {Storage.Azure.SecretRedactor.Redact(string.Join(' ', spec.Inputs))}: no input files found");
        return await new ShardPlanner(inputs).PlanAsync(resolved, spec.Input, spec.ShardDocs, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The store's shard rows. Each row's spec is a one-shard plan holding only the inputs its slices read (with their
    /// fingerprints), so any worker can read the shard from its row alone and a job with many inputs is not copied
    /// into every row.
    /// </summary>
    public static IReadOnlyList<NewShard> ShardsOf(ShardPlan plan) =>
        plan.Shards.Select(s => new NewShard(s.Index, SingleShardPlan(plan, s).ToJson())).ToArray();

    /// <summary>Reads a shard row's spec back (see <see cref="ShardsOf"/>); the shard is index 0 of the result.</summary>
    public static ShardPlan ReadShardSpec(string specJson) => ShardPlan.FromJson(specJson);

    private static ShardPlan SingleShardPlan(ShardPlan plan, Shard shard)
    {
        var inputs = new List<CorpusInput>();
        var remap = new Dictionary<int, int>();
        var slices = new List<ShardSlice>(shard.Slices.Count);
        foreach (var slice in shard.Slices)
        {
            if (!remap.TryGetValue(slice.Input, out var local))
            {
                local = inputs.Count;
                remap[slice.Input] = local;
                inputs.Add(plan.Inputs[slice.Input]);
            }
            slices.Add(slice with { Input = local });
        }
        // The skipped files travel with shard 0 only (the publisher reads them there), not copied into every row.
        return plan with { Inputs = inputs, Shards = [new Shard(0, shard.Documents, slices)], SkippedFiles = shard.Index == 0 ? plan.SkippedFiles : null };
    }
}
