using Clustering.Coordination;
using Clustering.Storage;

namespace Clustering.Jobs;

/// <summary>
/// The output checked against the record before a rerun trusts it: every object a done shard committed (its Parquet
/// part with the recorded size, its errors file and OpenAI results file when it has them) must still be there. A
/// deleted part, or a fresh container of the same name, used to be answered "succeeded" with a manifest naming files
/// that did not exist. Sizes come from one listing of the output (pages of thousands of objects, not a request per
/// object); checksums are left to <see cref="OutputVerifier"/>, which reads every byte.
/// </summary>
public static class CommittedObjects
{
    /// <summary>A done shard one of whose objects is gone, and what is wrong.</summary>
    public sealed record Lost(int Shard, string Problem);

    /// <summary>The done shards of <paramref name="shards"/> whose committed objects are missing or of another size.</summary>
    public static async Task<IReadOnlyList<Lost>> FindLostAsync(IBlobStore output, JobSpec spec, IEnumerable<ShardRecord> shards,
        CancellationToken cancellationToken = default)
    {
        var listed = await ListAsync(output, cancellationToken).ConfigureAwait(false);
        var lost = new List<Lost>();
        foreach (var shard in shards)
        {
            if (shard.State != ShardState.Done || shard.OutputKey is null) continue;
            var problem = Problem(listed, shard.OutputKey, shard.Bytes);
            if (problem is null && shard.Errors > 0) problem = Problem(listed, OutputLayout.ErrorsKey(shard.Index, shard.Attempt), null);
            if (problem is null && spec.Write.Format == OpenAiBatch.Format) problem = Problem(listed, OutputLayout.OpenAiResultsKey(shard.Index, shard.Attempt), null);
            if (problem is not null) lost.Add(new Lost(shard.Index, problem));
        }
        return lost;
    }

    /// <summary>The files a published manifest names that are missing or of another size than it says.</summary>
    public static async Task<IReadOnlyList<string>> FindMissingAsync(IBlobStore output, JobManifest manifest, CancellationToken cancellationToken = default)
    {
        var listed = await ListAsync(output, cancellationToken).ConfigureAwait(false);
        var problems = new List<string>();
        foreach (var file in manifest.Files)
            if (Problem(listed, file.Key, file.Bytes) is { } problem) problems.Add(problem);
        foreach (var file in manifest.ErrorFiles.Concat(manifest.BatchResultFiles ?? []))
            if (Problem(listed, file.Key, null) is { } problem) problems.Add(problem);
        return problems;
    }

    /// <summary>
    /// Takes a published output back to unpublished: `_SUCCESS` first, then `_manifest.json`, so no reader ever sees
    /// `_SUCCESS` beside a manifest that names a missing object. Parts stay; the next publication removes what it does not name.
    /// </summary>
    public static async Task UnpublishAsync(IBlobStore output, CancellationToken cancellationToken = default)
    {
        await output.DeleteAsync(OutputLayout.Success, cancellationToken).ConfigureAwait(false);
        await output.DeleteAsync(OutputLayout.Manifest, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<Dictionary<string, long>> ListAsync(IBlobStore output, CancellationToken cancellationToken)
    {
        var listed = new Dictionary<string, long>(StringComparer.Ordinal);
        await foreach (var item in output.ListAsync("", cancellationToken).ConfigureAwait(false))
            if (OutputLayout.IsJobObject(item.Key)) listed[item.Key] = item.Length;
        return listed;
    }

    private static string? Problem(Dictionary<string, long> listed, string key, long? bytes)
    {
        if (!listed.TryGetValue(key, out var length)) return $"{key} is gone from the output";
        if (bytes is { } expected && length != expected) return $"{key} has {length} bytes, {expected} were committed";
        return null;
    }
}
