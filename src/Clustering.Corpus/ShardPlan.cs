using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Clustering.Corpus;

/// <summary>
/// The corpus cut into shards: what the planner makes; each shard's <see cref="ShardSpec"/> is what the coordinator
/// stores and workers read. Deterministic for the same inputs and
/// options (same bytes of JSON), so a resumed job plans the same shards; each input carries its fingerprint so a
/// resume can notice a changed input (<see cref="ShardPlanner.FindChangedInputsAsync"/>).
/// </summary>
public sealed record ShardPlan(
    int Version,
    int ShardDocuments,
    TextMode TextMode,
    IReadOnlyList<CorpusInput> Inputs,
    IReadOnlyList<Shard> Shards)
{
    public const int CurrentVersion = 1;

    /// <summary>
    /// Inputs left out with --skip-bad-files, as "&lt;file&gt;: &lt;reason&gt;" (not a regular file, not gzip, truncated,
    /// unreadable); empty otherwise, and then not written, so such plans read and hash as before.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? SkippedFiles { get; init; }

    /// <summary>
    /// The output type of each kept field (<see cref="KeptFieldTypes.Agree"/>); null when they are all strings, as for
    /// every line-format corpus, so those plans read and hash as before.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<KeptFieldType>? KeptTypes { get; init; }

    /// <summary>Estimated documents in all shards (lines for line formats, files for whole-file text).</summary>
    [JsonIgnore]
    public long Documents => Shards.Sum(s => s.Documents);

    /// <summary>
    /// Shard <paramref name="index"/> as a worker reads it: only the inputs its slices read (renumbered in order of
    /// first use), so a job with many inputs is not copied into every shard's spec.
    /// </summary>
    public ShardSpec SpecOf(int index)
    {
        var shard = Shards[index];
        var inputs = new List<CorpusInput>();
        var remap = new Dictionary<int, int>();
        var slices = new List<ShardSlice>(shard.Slices.Count);
        foreach (var slice in shard.Slices)
        {
            if (!remap.TryGetValue(slice.Input, out var local))
            {
                local = inputs.Count;
                remap[slice.Input] = local;
                inputs.Add(Inputs[slice.Input]);
            }
            slices.Add(slice with { Input = local });
        }
        return new ShardSpec(shard.Documents, TextMode, inputs, slices)
        {
            ShardDocuments = ShardDocuments,
            KeptTypes = KeptTypes,
            // The skipped files travel with shard 0 only (the publisher reads them there), not copied into every spec.
            SkippedFiles = index == 0 ? SkippedFiles : null,
        };
    }

    public string ToJson() => JsonSerializer.Serialize(this, ShardPlanJson.Default.ShardPlan);

    /// <summary>SHA-256 of the plan's JSON, hex: equal plans, equal hashes.</summary>
    public string ComputeHash() => Convert.ToHexStringLower(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(this, ShardPlanJson.Default.ShardPlan)));

    /// <summary>Reads a stored plan, refusing one that is not internally consistent (it came from outside).</summary>
    public static ShardPlan FromJson(string json)
    {
        ShardPlan? plan;
        try
        {
            plan = JsonSerializer.Deserialize(json, ShardPlanJson.Default.ShardPlan);
        }
        catch (JsonException e)
        {
            throw new InputFormatException("shard plan", e.Path, $"not a shard plan: {e.Message}");
        }
        if (plan is null) throw new InputFormatException("shard plan", null, "empty");
        plan.Validate();
        return plan;
    }

    private void Validate()
    {
        if (Version != CurrentVersion)
            throw new InputFormatException("shard plan", "version", $"version {Version}; this build reads version {CurrentVersion}");
        if (Inputs is null || Shards is null)
            throw new InputFormatException("shard plan", null, "inputs or shards missing");
        if (KeptTypes is not null && KeptTypes.Any(t => !Enum.IsDefined(t)))
            throw new InputFormatException("shard plan", "keptTypes", "an unknown kept field type");
        for (var s = 0; s < Shards.Count; s++)
        {
            var shard = Shards[s];
            if (shard?.Slices is null || shard.Index != s)
                throw new InputFormatException("shard plan", $"shards[{s}]", "missing, or its index is not its position");
            foreach (var slice in shard.Slices)
            {
                if (slice is null || slice.Input < 0 || slice.Input >= Inputs.Count)
                    throw new InputFormatException("shard plan", $"shards[{s}]", "a slice names no input");
                var length = Inputs[slice.Input].Length;
                if (slice.ByteStart < 0 || slice.ByteStart > slice.ByteEnd || slice.ByteEnd > length || slice.FirstLine < 1 || slice.Lines < 0)
                    throw new InputFormatException("shard plan", $"shards[{s}]",
                        $"slice of input {slice.Input} has bytes {slice.ByteStart}..{slice.ByteEnd} of {length}, first line {slice.FirstLine}, {slice.Lines} lines");
                if ((Inputs[slice.Input].Format == InputFormat.Parquet) != (slice.FirstRowGroup is not null && slice.RowGroups is not null)
                    || slice.FirstRowGroup < 0 || slice.RowGroups < 1)
                    throw new InputFormatException("shard plan", $"shards[{s}]", $"slice of input {slice.Input} has row groups {slice.FirstRowGroup}+{slice.RowGroups}");
            }
        }
    }
}

/// <summary>One unit of work: slices of one or more inputs, about <see cref="ShardPlan.ShardDocuments"/> documents.</summary>
public sealed record Shard(int Index, long Documents, IReadOnlyList<ShardSlice> Slices);

/// <summary>
/// A part of one input. For uncompressed inputs the bytes [<see cref="ByteStart"/>, <see cref="ByteEnd"/>) start at line
/// <see cref="FirstLine"/> (1-based, counted over the whole file) and hold <see cref="Lines"/> lines. A gzip input
/// cannot be entered in the middle: its slices cover the whole compressed object, and the reader decompresses from
/// the start, skips to <see cref="FirstLine"/> and reads <see cref="Lines"/> lines, or to the end when
/// <see cref="ToEnd"/> (the last slice of a file, so it also reports a stream that breaks off). A whole-file text
/// document is a slice of the whole file with one "line".
/// A Parquet slice covers rows [<see cref="FirstLine"/>, <see cref="FirstLine"/> + <see cref="Lines"/>) of the file
/// (1-based, counted over all row groups), which lie in row groups <see cref="FirstRowGroup"/> ..
/// <see cref="FirstRowGroup"/> + <see cref="RowGroups"/> - 1; its bytes are the whole object (the footer is read again).
/// </summary>
public sealed record ShardSlice(int Input, long ByteStart, long ByteEnd, long FirstLine, long Lines, bool ToEnd)
{
    /// <summary>Parquet only: the first row group the slice reads (0-based); null for line formats.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? FirstRowGroup { get; init; }

    /// <summary>Parquet only: how many row groups the slice reads.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? RowGroups { get; init; }
}

[JsonSourceGenerationOptions(WriteIndented = false, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ShardPlan))]
internal sealed partial class ShardPlanJson : JsonSerializerContext;
