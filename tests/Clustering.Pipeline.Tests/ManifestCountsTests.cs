using System.Text;
using System.Text.Json;
using Clustering.Jobs;
using Clustering.Storage;

namespace Clustering.Pipeline.Tests;

/// <summary>
/// The summary and the manifest count empty texts (per shard, by the workers) and duplicate ids (at publish, from the
/// parts' id columns), checked against DuckDB: the empty texts of the input, and count(*) - count(distinct id) of the
/// output. The bucketed (on-disk) count equals the in-memory one.
/// </summary>
public sealed class ManifestCountsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("clustering-counts-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>300 lines over 4 shards: ids repeat within and across shards, some texts are empty or blank, some lines are bad.</summary>
    private string WriteCorpus()
    {
        var path = Path.Combine(_dir, "corpus.jsonl");
        var lines = new StringBuilder();
        for (var i = 0; i < 300; i++)
        {
            if (i % 50 == 49)
            {
                lines.Append("{\"id\":\"bad\",\"text\":42}\n"); // a bad line for us (text not a string); one row, not empty, for DuckDB
                continue;
            }
            var id = i % 7 == 3 ? $"d{i % 40}" : $"d{i}"; // every 7th reuses an earlier (or a later) id
            var text = (i % 11) switch
            {
                4 => "",
                5 => "   ",
                6 => "\t\n ",
                _ => TestCorpus.Text(i),
            };
            lines.Append(JsonSerializer.Serialize(new { id, text })).Append('\n');
        }
        File.WriteAllText(path, lines.ToString());
        return path;
    }

    [Fact]
    public void Run_reports_empty_texts_and_duplicate_ids_in_the_summary_and_the_manifest_as_duckdb_counts_them()
    {
        var input = WriteCorpus();
        var output = Path.Combine(_dir, "out");
        var (code, _, stderr) = Embedctl.Run(null, ["run", "--input", input, "--model", TestCorpus.DemoModel, "--output", output,
            "--max-length", "128", "--batch-tokens", "1024", "--threads", "1", "--quiet", "--shard-docs", "80"]);
        Assert.True(code == 0, stderr);

        var source = input.Replace("'", "''");
        var empty = DuckDb.Scalar($"SELECT count(*) FROM read_json('{source}', format = 'newline_delimited', columns = {{id: 'VARCHAR', text: 'VARCHAR'}}) " +
            "WHERE text IS NOT NULL AND regexp_matches(text, '^\\s*$')");
        var counts = DuckDb.Query($"SELECT count(*), count(*) - count(DISTINCT id) FROM read_parquet('{DuckDb.Glob(output)}')")[0][0];
        Assert.Equal(294, counts[0].GetInt64()); // 300 lines, 6 bad
        Assert.Equal(79, empty); // 3 in every 11 of the 294 good lines
        var duplicates = counts[1].GetInt64();
        Assert.Equal(36, duplicates); // as the corpus was written

        var manifest = JobManifest.Parse(File.ReadAllBytes(Path.Combine(output, "_manifest.json")));
        Assert.True(manifest.Files.Count >= 4, $"{manifest.Files.Count} parts: the ids should be spread over shards");
        Assert.Equal(empty, manifest.EmptyTexts);
        Assert.Equal(duplicates, manifest.DuplicateIds);
        Assert.Contains($"succeeded: 294 documents, 6 bad lines, {empty} empty texts, {duplicates} duplicate ids, ", stderr.Split('\n')[0]);
    }

    [Fact]
    public async Task Counting_in_bucket_files_gives_what_counting_in_memory_gives()
    {
        var input = WriteCorpus();
        var output = Path.Combine(_dir, "out");
        var (code, _, stderr) = Embedctl.Run(null, ["run", "--input", input, "--model", TestCorpus.DemoModel, "--output", output,
            "--max-length", "128", "--batch-tokens", "1024", "--threads", "1", "--quiet", "--shard-docs", "80"]);
        Assert.True(code == 0, stderr);
        var manifest = JobManifest.Parse(File.ReadAllBytes(Path.Combine(output, "_manifest.json")));
        var store = new LocalBlobStore(output);
        var temp = Directory.CreateDirectory(Path.Combine(_dir, "tmp")).FullName;

        var inMemory = await DuplicateIdCounter.CountAsync(store, manifest.Files, chunked: false, temp);
        var inFiles = await DuplicateIdCounter.CountAsync(store, manifest.Files, chunked: false, temp, bucketBytes: 16 * 20); // ~15 buckets

        var oracle = DuckDb.Scalar($"SELECT count(*) - count(DISTINCT id) FROM read_parquet('{DuckDb.Glob(output)}')");
        Assert.Equal(oracle, inMemory);
        Assert.Equal(oracle, inFiles);
        Assert.Empty(Directory.GetFileSystemEntries(temp)); // the bucket files are gone
    }
}
