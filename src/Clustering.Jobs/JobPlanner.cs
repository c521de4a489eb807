using Clustering.Coordination;
using Clustering.Corpus;
using Clustering.Pipeline;

namespace Clustering.Jobs;

/// <summary>
/// Turns a job spec into its shards: resolves the inputs (files, folders, globs, blob prefixes), cuts them into
/// shards of about <see cref="JobSpec.ShardDocs"/> documents, and gives each shard's <see cref="ShardSpec"/> to the
/// store, so a worker needs nothing but the shard record to read it.
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
    /// The store's shard rows: each row's spec is its shard's <see cref="ShardSpec"/> (only the inputs its slices read,
    /// with their fingerprints), so any worker can read the shard from its row alone.
    /// </summary>
    public static IReadOnlyList<NewShard> ShardsOf(ShardPlan plan) =>
        plan.Shards.Select(s => new NewShard(s.Index, plan.SpecOf(s.Index).ToJson())).ToArray();

    /// <summary>Reads a shard row's spec back (see <see cref="ShardsOf"/>).</summary>
    public static ShardSpec ReadShardSpec(string specJson) => ShardSpec.FromJson(specJson);
}
