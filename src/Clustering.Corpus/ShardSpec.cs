namespace Clustering.Corpus;

/// <summary>
/// One shard as a worker reads it (<see cref="ShardPlan.SpecOf"/> cuts it from a plan; a shard row stores it): only the
/// inputs its slices read, with their fingerprints, the slices (indexes into <see cref="Inputs"/>), how text files
/// are read, and what its output needs. A worker needs nothing else to read the shard.
/// </summary>
/// <param name="Documents">Estimated documents (lines for line formats, files for whole-file text).</param>
public sealed record ShardSpec(long Documents, TextMode TextMode, IReadOnlyList<CorpusInput> Inputs, IReadOnlyList<ShardSlice> Slices)
{
    /// <summary>The plan's documents per shard; kept because the stored JSON has always carried it.</summary>
    public int ShardDocuments { get; init; }

    /// <summary>The output type of each kept field, as in <see cref="ShardPlan.KeptTypes"/>.</summary>
    public IReadOnlyList<KeptFieldType>? KeptTypes { get; init; }

    /// <summary>The plan's skipped files; shard 0 carries them (the publisher reads them there), the others null.</summary>
    public IReadOnlyList<string>? SkippedFiles { get; init; }

    /// <summary>
    /// The stored form: a plan of this one shard at index 0, byte for byte what shard rows have held since jobs were
    /// first stored, so a job planned by an older build still resumes (and one planned now reads on an older one).
    /// </summary>
    public string ToJson() => AsPlan().ToJson();

    /// <summary>Reads a shard row's spec, refusing anything but a valid plan of exactly one shard at index 0.</summary>
    public static ShardSpec FromJson(string json)
    {
        var plan = ShardPlan.FromJson(json);
        if (plan.Shards.Count != 1)
            throw new InputFormatException("shard spec", "shards", $"{plan.Shards.Count} shards; a shard's spec holds exactly one");
        var shard = plan.Shards[0];
        return new ShardSpec(shard.Documents, plan.TextMode, plan.Inputs, shard.Slices)
        {
            ShardDocuments = plan.ShardDocuments,
            KeptTypes = plan.KeptTypes,
            SkippedFiles = plan.SkippedFiles,
        };
    }

    private ShardPlan AsPlan() =>
        new(ShardPlan.CurrentVersion, ShardDocuments, TextMode, Inputs, [new Shard(0, Documents, Slices)]) { KeptTypes = KeptTypes, SkippedFiles = SkippedFiles };
}
