namespace Clustering.Inference;

/// <summary>Who asks for the device: a search application waiting on a request, or a batch job's shard.</summary>
public enum DevicePriority
{
    /// <summary>Shard work: fills the device whenever no online pass waits (and now and then even when one does).</summary>
    Batch,

    /// <summary>An online request (<c>/v1/embeddings</c>): goes before batch work.</summary>
    Online,
}
