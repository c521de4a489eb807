using Clustering.Coordination;
using Clustering.Corpus;
using Clustering.Parquet;
using Clustering.Pipeline;
using Clustering.Storage;

namespace Clustering.Jobs;

/// <summary>
/// Publishes a finished job: `_manifest.json` naming every committed part and errors file, then `_SUCCESS` (only
/// when the job succeeded), then removes every object under the job's folder the manifest does not name (parts of
/// abandoned attempts, late writers). Both markers are written create-if-absent, so two coordinators can never both
/// publish one job; running it again after a crash finishes what is missing and changes nothing else.
/// </summary>
public static class JobPublisher
{
    public static async Task<JobManifest> PublishAsync(JobRecord job, JobSpec spec, IReadOnlyList<ShardRecord> shards, IBlobStore output,
        EmbeddingDescription model, CancellationToken cancellationToken = default)
    {
        var existing = await ReadManifestAsync(output, cancellationToken).ConfigureAwait(false);
        var manifest = existing is not null && existing.JobId == job.Id ? existing : Build(job, spec, shards, model);
        // No manifest (and no _SUCCESS) ever names an object that is not there: a rerun redoes lost shards first.
        if (existing is null || existing.JobId == job.Id)
        {
            var missing = await CommittedObjects.FindMissingAsync(output, manifest, cancellationToken).ConfigureAwait(false);
            if (missing.Count > 0)
                throw new ClusteringException($"{output.DisplayName}: not publishing job {job.Id}: {string.Join("; ", missing.Take(3))}" +
                    (missing.Count > 3 ? $" (and {missing.Count - 3} more)" : "") + "; the same command again redoes the shards whose objects are gone");
        }
        if (existing is null)
        {
            // Counted now, over exactly the parts the manifest names (a shard redone has one part).
            var duplicates = await DuplicateIdCounter.CountAsync(output, manifest.Files, spec.Embed.ChunkTokens is not null, Path.GetTempPath(), cancellationToken)
                .ConfigureAwait(false);
            manifest = manifest with { DuplicateIds = duplicates };
            // When another coordinator published first, its manifest is the one that counts, if it is of this job.
            (manifest, _) = await ManifestObject.CreateAsync(output, OutputLayout.Manifest, manifest, cancellationToken).ConfigureAwait(false);
            if (manifest.JobId != job.Id) throw NotOurs(output, manifest, job);
        }
        else if (existing.JobId != job.Id)
        {
            throw NotOurs(output, existing, job);
        }
        await FinishAsync(output, manifest, cancellationToken).ConfigureAwait(false);
        return manifest;
    }

    private static ClusteringException NotOurs(IBlobStore output, JobManifest found, JobRecord job) =>
        new($"{output.DisplayName}: {OutputLayout.Manifest} belongs to job {found.JobId}, not {job.Id}; refusing to publish over it");

    /// <summary>
    /// What follows a written manifest: removal of the objects it does not name, then `_SUCCESS` (create-if-absent)
    /// when it says succeeded. Idempotent; also finishes a publication that was interrupted after the manifest.
    /// </summary>
    public static async Task FinishAsync(IBlobStore output, JobManifest manifest, CancellationToken cancellationToken = default)
    {
        await RemoveUnnamedAsync(output, manifest, cancellationToken).ConfigureAwait(false);
        if (manifest.Status == "succeeded" && await output.GetPropertiesAsync(OutputLayout.Success, cancellationToken).ConfigureAwait(false) is null)
        {
            try
            {
                await output.WriteAsync(OutputLayout.Success, new MemoryStream(), WriteCondition.CreateOnly, cancellationToken).ConfigureAwait(false);
            }
            catch (BlobConditionFailedException)
            {
                // Already there: published by another coordinator.
            }
        }
    }

    public static Task<JobManifest?> ReadManifestAsync(IBlobStore output, CancellationToken cancellationToken = default) =>
        ManifestObject.ReadAsync<JobManifest>(output, OutputLayout.Manifest, cancellationToken);

    private static JobManifest Build(JobRecord job, JobSpec spec, IReadOnlyList<ShardRecord> shards, EmbeddingDescription model)
    {
        var files = new List<ManifestFile>();
        var errorFiles = new List<ManifestFile>();
        var failed = new List<ManifestFailedShard>();
        var openAi = spec.Write.Format == OpenAiBatch.Format ? new List<ManifestFile>() : null;
        long documents = 0, errors = 0, tokens = 0, emptyTexts = 0;
        foreach (var shard in shards.OrderBy(s => s.Index))
        {
            if (shard.State == ShardState.Done && shard.OutputKey is not null)
            {
                files.Add(new ManifestFile(shard.OutputKey, shard.Index, shard.Attempt, shard.Rows, shard.Bytes, shard.Checksum ?? ""));
                if (shard.Errors > 0)
                    errorFiles.Add(new ManifestFile(OutputLayout.ErrorsKey(shard.Index, shard.Attempt), shard.Index, shard.Attempt, shard.Errors, 0, ""));
                openAi?.Add(new ManifestFile(OutputLayout.OpenAiResultsKey(shard.Index, shard.Attempt), shard.Index, shard.Attempt, 0, 0, ""));
                documents += shard.Rows;
                errors += shard.Errors;
                tokens += shard.Tokens;
                emptyTexts += shard.EmptyTexts;
            }
            else if (shard.State == ShardState.Failed)
            {
                failed.Add(new ManifestFailedShard(shard.Index, shard.Attempt, shard.LastError ?? "failed"));
            }
        }
        var schema = new List<ManifestColumn>
        {
            new(EmbeddingParquetWriter.IdColumn, "string"),
            new(EmbeddingParquetWriter.EmbeddingColumn, spec.Write.VectorType == VectorType.Fixed ? $"fixed_size_list<float32>[{model.Dimensions}]" : "list<float32>"),
            new(EmbeddingParquetWriter.TokensColumn, "int32"),
            new(EmbeddingParquetWriter.TruncatedColumn, "bool"),
        };
        if (spec.Embed.ChunkTokens is not null)
            schema.AddRange([new(EmbeddingParquetWriter.ChunkColumn, "int32"), new(EmbeddingParquetWriter.CharStartColumn, "int32"), new(EmbeddingParquetWriter.CharEndColumn, "int32")]);
        // Every shard row carries the plan's kept field types (the same in all of them); shard 0's, the skipped files.
        var first = shards.Count == 0 ? null : JobPlanner.ReadShardSpec(shards.MinBy(s => s.Index)!.SpecJson);
        var keptTypes = spec.Input.KeepFields.Count == 0 ? null : first?.KeptTypes;
        // A job whose shards all committed still fails when too much of its input was bad: no _SUCCESS for a pipeline
        // to trust over an empty or half output.
        // (The job grain ends such a job failed in the store too; a job failed by its shards keeps that as its reason.)
        var overBudget = job.State is JobState.Succeeded or JobState.Failed && failed.Count <= job.AllowedFailedShards
            ? JobBadRecords.OverBudget(spec, shards) : null;
        schema.AddRange(spec.Input.KeepFields.Select((f, k) => new ManifestColumn(f, (keptTypes?[k] ?? KeptFieldType.String).ManifestName())));
        return new JobManifest
        {
            JobId = job.Id,
            Status = overBudget is not null ? JobState.Failed.ToText() : job.State == JobState.Succeeded ? "succeeded" : job.State.ToText(),
            FailureReason = overBudget,
            SkippedFiles = first?.SkippedFiles,
            Model = model.ModelId,
            Dimensions = model.Dimensions,
            Pooling = model.Pooling,
            Normalized = model.Normalized,
            Prompt = model.Prompt.Length == 0 ? null : model.Prompt,
            Dtype = "float32",
            ToolVersion = ToolVersion.Text,
            CompletedAt = DateTimeOffset.UtcNow,
            Documents = documents,
            Errors = errors,
            Tokens = tokens,
            EmptyTexts = emptyTexts,
            Files = files,
            ErrorFiles = errorFiles,
            Schema = schema,
            FailedShards = failed,
            BatchResultFiles = openAi,
        };
    }

    private static async Task RemoveUnnamedAsync(IBlobStore output, JobManifest manifest, CancellationToken cancellationToken)
    {
        var named = new HashSet<string>(StringComparer.Ordinal) { OutputLayout.Manifest, OutputLayout.Success };
        foreach (var f in manifest.Files) named.Add(f.Key);
        foreach (var f in manifest.ErrorFiles) named.Add(f.Key);
        foreach (var f in manifest.BatchResultFiles ?? []) named.Add(f.Key);
        var doomed = new List<string>();
        await foreach (var item in output.ListAsync("", cancellationToken).ConfigureAwait(false))
            if (OutputLayout.IsJobObject(item.Key) && !named.Contains(item.Key) && OutputLayout.IsOurs(item.Key))
                doomed.Add(item.Key);
        foreach (var key in doomed)
            await output.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
    }
}
