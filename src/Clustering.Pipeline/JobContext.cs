using Clustering.Corpus;
using Clustering.Parquet;
using Clustering.Storage;

namespace Clustering.Pipeline;

/// <summary>
/// What every shard of one job shares, parsed once per job and worker: the spec, the reader options,
/// the Parquet options and the output store. Built from the job's stored JSON, so any silo can serve any job.
/// </summary>
public sealed class JobContext
{
    public string JobId { get; }
    public JobSpec Spec { get; }
    public CorpusOptions CorpusOptions => Spec.Input;
    public IBlobStore Output { get; }

    public JobContext(string jobId, JobSpec spec, IBlobStore output)
    {
        JobId = jobId;
        Spec = spec;
        Output = output;
    }

    /// <summary>The writer's options: its layout defaults with the job's codec.</summary>
    public ParquetWriteOptions ParquetOptions => new() { Compression = Spec.Write.Compression };

    public VectorType VectorType => Spec.Write.VectorType;
}
