using System.Collections.Concurrent;
using Clustering.Coordination;
using Clustering.Jobs;
using Clustering.Pipeline;
using Clustering.Storage;

namespace Clustering.Cluster.Tests;

/// <summary>
/// Jobs' real output folders that note, as each publication marker (<c>_manifest.json</c>, <c>_SUCCESS</c>) is
/// written, what the store says of the job at that moment; and that can fail once right after writing
/// <c>_SUCCESS</c>, as a coordinator killed between publishing and moving the job on would.
/// </summary>
internal sealed class ObservedOutputs
{
    /// <summary>The store the jobs live in; set once the cluster is up (it is made with the cluster).</summary>
    public IClusterStore? Store { get; set; }

    /// <summary>Each marker written, in order, with the job's state in the store as it was written.</summary>
    public ConcurrentQueue<(string Key, JobState State)> Marks { get; } = new();

    /// <summary>Whether the next write of <c>_SUCCESS</c> throws once it is done.</summary>
    public bool FailAfterNextSuccess { get; set; }

    public IBlobStore Open(string location) => new Output(this, new LocalBlobStore(location), Path.GetFileName(location));

    private sealed class Output(ObservedOutputs owner, LocalBlobStore folder, string jobId) : IBlobStore
    {
        public string DisplayName => folder.DisplayName;

        public IAsyncEnumerable<BlobItem> ListAsync(string prefix, CancellationToken cancellationToken = default) => folder.ListAsync(prefix, cancellationToken);

        public Task<BlobItem?> GetPropertiesAsync(string key, CancellationToken cancellationToken = default) => folder.GetPropertiesAsync(key, cancellationToken);

        public Task<Stream> OpenReadAsync(string key, long offset = 0, long? length = null, CancellationToken cancellationToken = default) =>
            folder.OpenReadAsync(key, offset, length, cancellationToken);

        public Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) => folder.DeleteAsync(key, cancellationToken);

        public async Task<BlobItem> WriteAsync(string key, Stream content, WriteCondition condition = default, CancellationToken cancellationToken = default)
        {
            if (key is not (OutputLayout.Manifest or OutputLayout.Success)) return await folder.WriteAsync(key, content, condition, cancellationToken);
            var job = await owner.Store!.GetJobAsync(jobId, cancellationToken);
            var written = await folder.WriteAsync(key, content, condition, cancellationToken);
            owner.Marks.Enqueue((key, job!.State));
            if (key == OutputLayout.Success && owner.FailAfterNextSuccess)
            {
                owner.FailAfterNextSuccess = false;
                throw new IOException("the test's coordinator stops right after writing _SUCCESS");
            }
            return written;
        }
    }
}
