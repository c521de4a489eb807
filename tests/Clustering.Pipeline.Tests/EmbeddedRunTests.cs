using System.Text.Json;
using Clustering.Coordination;
using Clustering.Hosting;
using Clustering.Inference;
using Clustering.Inference.Cpu;
using Clustering.Jobs;
using Clustering.Parquet.Tests;
using Microsoft.Extensions.Logging.Abstractions;

namespace Clustering.Pipeline.Tests;

/// <summary>
/// `embedctl run`'s engine (the in-process runner) end to end, read back by DuckDB and hyparquet: bad lines become
/// error records and nothing else is lost; codecs and vector types; vectors equal the engine's for the same text;
/// running again changes nothing.
/// </summary>
public sealed class EmbeddedRunTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("clustering-run-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private JobSpec Spec(string input, string output, Action<JobSpecBuilder>? change = null)
    {
        var b = new JobSpecBuilder { Input = input, Output = output };
        change?.Invoke(b);
        return b.Build();
    }

    private static Task<EmbeddedResult> Run(JobSpec spec) =>
        new EmbeddedRunner(NullLoggerFactory.Instance).RunAsync(spec, workers: 1, new JobProgress(), CancellationToken.None);

    [Fact]
    public async Task Ten_thousand_lines_with_500_bad_give_9500_rows_and_500_error_records()
    {
        var input = Path.Combine(_dir, "corpus.jsonl");
        var (good, badLines) = TestCorpus.Write(input, 10_000, badEvery: 20);
        Assert.Equal(500, badLines.Count);
        var output = Path.Combine(_dir, "out");

        var result = await Run(Spec(input, output, b => { b.ShardDocs = 2500; b.MaxDocumentBytes = 4096; }));

        Assert.Equal(JobState.Succeeded, result.State);
        Assert.Equal(9500, result.Manifest.Documents);
        Assert.Equal(500, result.Manifest.Errors);
        Assert.Equal(4, result.Manifest.Files.Count);
        var counts = DuckDb.Query($"SELECT count(*), count(DISTINCT id) FROM read_parquet('{DuckDb.Glob(output)}')")[0][0];
        Assert.Equal(9500, counts[0].GetInt64());
        Assert.Equal(9500, counts[1].GetInt64());
        var ids = DuckDb.Query($"SELECT id FROM read_parquet('{DuckDb.Glob(output)}') ORDER BY id")[0].Select(r => r[0].GetString()!).ToHashSet();
        Assert.True(ids.SetEquals(good));

        var errorRecords = Directory.GetFiles(Path.Combine(output, "_errors"), "*.jsonl")
            .SelectMany(File.ReadAllLines).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(500, errorRecords.Count);
        Assert.All(errorRecords, e => Assert.Equal(input, e.GetProperty("source").GetString()));
        Assert.Equal(badLines, errorRecords.Select(e => (int)e.GetProperty("line").GetInt64()).Order().ToList());
        Assert.All(errorRecords, e => Assert.False(string.IsNullOrWhiteSpace(e.GetProperty("reason").GetString())));
        Assert.True(File.Exists(Path.Combine(output, "_SUCCESS")));
    }

    [Theory]
    [InlineData(CompressionCodec.Zstd, VectorType.List)]
    [InlineData(CompressionCodec.Snappy, VectorType.Fixed)]
    [InlineData(CompressionCodec.Gzip, VectorType.List)]
    [InlineData(CompressionCodec.None, VectorType.Fixed)]
    public async Task Every_codec_and_vector_type_reads_back_with_the_engines_vectors(CompressionCodec codec, VectorType vectors)
    {
        var input = Path.Combine(_dir, "small.jsonl");
        TestCorpus.Write(input, 120);
        var output = Path.Combine(_dir, $"out-{codec}-{vectors}");
        var spec = Spec(input, output, b => { b.ShardDocs = 50; b.Compression = codec; b.VectorType = vectors; b.KeepFields = ["meta.n"]; b.Dimensions = 32; });

        var result = await Run(spec);

        Assert.Equal(JobState.Succeeded, result.State);
        var files = result.Manifest.Files.Select(f => Path.Combine(output, f.Key)).ToList();
        Assert.Equal(3, files.Count);
        var expected = EngineVectors(spec, Enumerable.Range(0, 120).Select(TestCorpus.Text).ToList());
        var readback = ParquetReadback.Read(files);
        var seen = 0;
        foreach (var file in files)
        {
            foreach (var reader in new[] { "duckdb", "hyparquet" })
            {
                var rows = readback[file].GetProperty(reader).GetProperty("rows");
                foreach (var row in rows.EnumerateArray())
                {
                    // Row columns in schema order: id, embedding, n_tokens, truncated, meta.n.
                    var n = int.Parse(row[0].GetString()!.AsSpan(1));
                    Assert.Equal(n.ToString(), row[4].GetString());
                    var vector = Floats(row[1]);
                    AssertClose(expected[n], vector, $"{file} row d{n} ({reader})");
                    seen++;
                }
            }
        }
        Assert.Equal(240, seen);
        Assert.Equal(spec.Write.VectorType == VectorType.Fixed ? "fixed_size_list<float32>[32]" : "list<float32>", result.Manifest.Schema[1].Type);
    }

    [Fact]
    public async Task Running_the_same_job_again_changes_nothing_and_other_options_are_refused()
    {
        var input = Path.Combine(_dir, "again.jsonl");
        TestCorpus.Write(input, 60);
        var output = Path.Combine(_dir, "again");
        var spec = Spec(input, output, b => b.ShardDocs = 25);
        var first = await Run(spec);
        var before = Directory.GetFiles(output).ToDictionary(f => f, File.ReadAllBytes);

        var second = await Run(spec);

        Assert.Equal(first.JobId, second.JobId);
        Assert.Equal(JobState.Succeeded, second.State);
        var after = Directory.GetFiles(output).ToDictionary(f => f, File.ReadAllBytes);
        Assert.Equal(before.Keys.Order(), after.Keys.Order());
        foreach (var (file, bytes) in before) Assert.Equal(bytes, after[file]);

        var other = await Assert.ThrowsAsync<ClusteringException>(() => Run(Spec(input, output, b => { b.ShardDocs = 25; b.Dimensions = 8; })));
        Assert.Contains("made with other options", other.Message);
    }

    [Fact]
    public async Task A_document_the_model_cannot_take_is_a_bad_line_not_a_failed_shard()
    {
        // The demo model with its tokenizer's post-processor removed: "" then encodes to no tokens at all.
        var model = Path.Combine(_dir, "model");
        Directory.CreateDirectory(Path.Combine(model, "1_Pooling"));
        foreach (var file in Directory.GetFiles(TestCorpus.DemoModel, "*", SearchOption.AllDirectories))
            File.Copy(file, Path.Combine(model, Path.GetRelativePath(TestCorpus.DemoModel, file)));
        var tokenizer = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(model, "tokenizer.json")))!;
        tokenizer["post_processor"] = null;
        File.WriteAllText(Path.Combine(model, "tokenizer.json"), tokenizer.ToJsonString());
        var input = Path.Combine(_dir, "empty.jsonl");
        File.WriteAllText(input, "{\"id\":\"a\",\"text\":\"hello\"}\n{\"id\":\"b\",\"text\":\"\"}\n{\"id\":\"c\",\"text\":\"world\"}\n");
        var output = Path.Combine(_dir, "out-empty");

        var spec = Spec(input, output) with { Model = model };
        // One bad line of three is over the default budget (10%): allow it, this test is about the shard.
        var result = await Run(spec with { Input = spec.Input with { MaxBadRecords = "1" } });

        Assert.Equal(JobState.Succeeded, result.State);
        Assert.Equal(2, result.Manifest.Documents);
        Assert.Equal(1, result.Manifest.Errors);
        var error = JsonDocument.Parse(File.ReadAllLines(Path.Combine(output, "_errors", "part-00000-a1.jsonl")).Single()).RootElement;
        Assert.Equal(2, error.GetProperty("line").GetInt32());
        Assert.Contains("no tokens", error.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task A_missing_input_is_refused_naming_it()
    {
        // Refused before any work: embedctl exits 2 for it, not 1 as for a job that ran and failed.
        var e = await Assert.ThrowsAsync<JobRefusedException>(() => Run(Spec(Path.Combine(_dir, "nope.jsonl"), Path.Combine(_dir, "o"))));
        Assert.Equal($"--input '{_dir}/nope.jsonl': no such file or folder", e.Message);
    }

    /// <summary>The vectors the engine gives for these texts, one model load, input order.</summary>
    private static float[][] EngineVectors(JobSpec spec, List<string> texts)
    {
        using var model = EmbeddingModel.Load(spec.Model, spec.Embed, new CpuOps(new CpuOptions()));
        var ids = texts.Select(t => model.Tokenize(t).Ids).ToList();
        var output = new float[texts.Count * model.Dimensions];
        model.Embed(ids, output);
        return Enumerable.Range(0, texts.Count).Select(i => output.AsSpan(i * model.Dimensions, model.Dimensions).ToArray()).ToArray();
    }

    /// <summary>
    /// The engine sums in an order that depends on the batch a text lands in, so vectors agree to float rounding,
    /// not bit for bit (Parquet itself round-trips bits exactly: see the Parquet tests).
    /// </summary>
    internal static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double dot = 0, ee = 0, aa = 0, maxAbs = 0;
        for (var i = 0; i < expected.Length; i++)
        {
            dot += expected[i] * (double)actual[i];
            ee += expected[i] * (double)expected[i];
            aa += actual[i] * (double)actual[i];
            maxAbs = Math.Max(maxAbs, Math.Abs(expected[i] - actual[i]));
        }
        var cos = dot / Math.Sqrt(ee * aa);
        Assert.True(cos >= 0.99999 && maxAbs <= 1e-5, $"{what}: cos {cos:F7}, max |diff| {maxAbs:E2}");
    }

    private static float[] Floats(JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Object && value.TryGetProperty("f32", out var b64))
        {
            var bytes = Convert.FromBase64String(b64.GetString()!);
            return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes).ToArray();
        }
        return value.EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();
    }
}

/// <summary>Test-side spec with the defaults `embedctl run` uses and the demo model.</summary>
internal sealed class JobSpecBuilder
{
    public required string Input { get; init; }
    public required string Output { get; init; }
    public int ShardDocs { get; set; } = 10_000;
    public int MaxDocumentBytes { get; set; } = 8 << 20;
    public int? Dimensions { get; set; }
    public CompressionCodec Compression { get; set; } = CompressionCodec.Zstd;
    public VectorType VectorType { get; set; } = VectorType.List;
    public string[] KeepFields { get; set; } = [];

    public JobSpec Build() => new()
    {
        Inputs = [Input],
        Model = TestCorpus.DemoModel,
        Output = Output,
        ShardDocs = ShardDocs,
        Input = new CorpusOptions { MaxDocumentBytes = MaxDocumentBytes, KeepFields = KeepFields },
        Embed = new EmbeddingOptions { Dimensions = Dimensions, MaxLength = 512, BatchTokens = 4096 },
        Write = new OutputOptions { Compression = Compression, VectorType = VectorType },
    };
}
