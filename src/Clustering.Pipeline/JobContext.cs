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
    public CorpusOptions CorpusOptions { get; }
    public IBlobStore Output { get; }

    public JobContext(string jobId, JobSpec spec, IBlobStore output)
    {
        JobId = jobId;
        Spec = spec;
        Output = output;
        CorpusOptions = CorpusOptionsOf(spec);
    }

    /// <summary>The reader's options from the user's job options.</summary>
    public static CorpusOptions CorpusOptionsOf(JobSpec spec) => new()
    {
        IdField = spec.Input.IdField,
        TextField = spec.Input.TextField,
        KeepFields = spec.Input.KeepFields,
        TextMode = spec.Input.TextMode,
        MaxDocumentBytes = spec.Input.MaxDocumentBytes,
        ShardDocuments = spec.ShardDocs,
        OpenAiBatch = spec.Input.Format == Clustering.OpenAiBatch.Format,
        SkipBadFiles = spec.Input.SkipBadFiles,
    };

    public ParquetWriteOptions ParquetOptions => new()
    {
        Compression = Spec.Write.Compression switch
        {
            CompressionCodec.None => Parquet.ParquetCompression.Uncompressed,
            CompressionCodec.Snappy => Parquet.ParquetCompression.Snappy,
            CompressionCodec.Gzip => Parquet.ParquetCompression.Gzip,
            _ => Parquet.ParquetCompression.Zstd,
        },
    };

    public ParquetVectorType VectorType => Spec.Write.VectorType == Clustering.VectorType.Fixed ? ParquetVectorType.Fixed : ParquetVectorType.List;
}
