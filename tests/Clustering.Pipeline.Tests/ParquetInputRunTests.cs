using System.Text.Json;
using Clustering.Storage;
using Clustering.Storage.Azure;
using Clustering.Storage.Tests.Support;

namespace Clustering.Pipeline.Tests;

/// <summary>
/// `embedctl run` on Parquet corpora written by DuckDB (an independent writer): killed with -9 after some shards are
/// committed and run again, every good row is embedded exactly once and every null text is listed in `_errors/` with
/// its file, row group and row.
/// </summary>
public sealed class ParquetInputRunTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("clustering-pqrun-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // DuckDB rounds row groups up to 2,048 rows, so each small file is one row group and one shard (several row groups per
    // file are covered by the Corpus tests).
    private const int Files = 12, RowsPerFile = 100, RowGroupRows = 2048;

    /// <summary>Rows whose text is null: every 37th (so they fall in several row groups of every file).</summary>
    private static bool IsNull(int row) => row % 37 == 5;

    /// <summary>DuckDB writes the corpus: ids f{file}-r{row}, texts of the test corpus, a nested struct, nulls.</summary>
    internal string WriteCorpus() => WriteCorpus(_dir);

    internal static string WriteCorpus(string dir)
    {
        var input = Path.Combine(dir, "input");
        Directory.CreateDirectory(input);
        var statements = new List<string>();
        for (var f = 0; f < Files; f++)
        {
            var rows = Enumerable.Range(0, RowsPerFile).Select(r =>
                $"('f{f}-r{r}', {(IsNull(r) ? "NULL" : "'" + TestCorpus.Text(f * RowsPerFile + r).Replace("'", "''") + "'")}, {r})");
            var path = Path.Combine(input, $"part-{f}.parquet").Replace("'", "''");
            statements.Add($"COPY (SELECT id, {{'body': body, 'n': n}} AS doc FROM (VALUES {string.Join(", ", rows)}) t(id, body, n) ORDER BY n) " +
                $"TO '{path}' (FORMAT parquet, ROW_GROUP_SIZE {RowGroupRows}, COMPRESSION zstd)");
        }
        statements.Add($"SELECT count(*) FROM parquet_metadata('{Path.Combine(input, "*.parquet").Replace("'", "''")}') WHERE column_id = 0");
        var groups = DuckDb.Query([.. statements])[^1][0][0].GetInt64();
        Assert.Equal(Files, groups);
        return input;
    }

    internal static int GoodRows => Files * RowsPerFile - Enumerable.Range(0, RowsPerFile).Count(IsNull) * Files;

    internal static string[] RunArgs(string input, string output) =>
        ["run", "--input", input, "--model", TestCorpus.DemoModel, "--output", output, "--text-field", "doc.body", "--shard-docs", "100",
            "--max-length", "512", "--batch-tokens", "2048", "--threads", "1"];

    [Fact]
    public async Task Killed_and_rerun_every_good_row_is_embedded_once_and_every_null_text_is_an_error_with_its_place()
    {
        var input = WriteCorpus();
        var output = Path.Combine(_dir, "out");
        var args = RunArgs(input, output);

        using (var first = Embedctl.Start(args))
        {
            var stderr = first.StandardError.ReadToEndAsync();
            var deadline = DateTime.UtcNow.AddMinutes(3);
            while (!Directory.Exists(output) || Directory.GetFiles(output, "part-*.parquet").Length < 2)
            {
                if (first.HasExited) Assert.Fail($"run ended before it could be killed: {await stderr}");
                Assert.True(DateTime.UtcNow < deadline, "no parts after 3 minutes");
                await Task.Delay(20);
            }
            first.Kill();
            await first.WaitForExitAsync();
        }
        Assert.False(File.Exists(Path.Combine(output, "_SUCCESS")));

        var (code, _, err) = Embedctl.Run(null, args);

        var good = GoodRows;
        var nulls = Files * RowsPerFile - good;
        Assert.True(code == 0, err);
        Assert.Contains($"succeeded: {good} documents, {nulls} bad lines", err);
        var counts = DuckDb.Query($"SELECT count(*), count(DISTINCT id) FROM read_parquet('{DuckDb.Glob(output)}')")[0][0];
        Assert.Equal(good, counts[0].GetInt64());
        Assert.Equal(good, counts[1].GetInt64());
        var expected = Enumerable.Range(0, Files).SelectMany(f => Enumerable.Range(0, RowsPerFile).Where(r => !IsNull(r)).Select(r => $"f{f}-r{r}")).ToHashSet();
        var read = DuckDb.Query($"SELECT id FROM read_parquet('{DuckDb.Glob(output)}')")[0].Select(r => r[0].GetString()!).ToHashSet();
        Assert.True(expected.SetEquals(read), "the output's ids are the good rows' ids");

        // Every null text is one error line naming its file, row group and row (row within the group).
        var errors = Directory.GetFiles(Path.Combine(output, "_errors"), "*.jsonl").SelectMany(File.ReadAllLines)
            .Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(nulls, errors.Count);
        var places = errors.Select(e => e.GetRawText()).ToList();
        for (var f = 0; f < Files; f++)
            foreach (var r in Enumerable.Range(0, RowsPerFile).Where(IsNull))
                Assert.Contains(places, p => p.Contains($"part-{f}.parquet") && p.Contains($"row group {r / RowGroupRows}, row {r % RowGroupRows}:"));
    }
}

/// <summary>The same DuckDB-written Parquet corpus under a blob prefix on Azurite, read by `embedctl run` with ranged reads.</summary>
[Collection("Azurite")]
public sealed class ParquetBlobInputRunTests(AzuriteFixture fixture) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("clustering-pqblob-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task A_prefix_of_Parquet_blobs_is_read_as_the_local_files_are()
    {
        var local = ParquetInputRunTests.WriteCorpus(_dir);
        var container = await fixture.NewContainerAsync(stem: "pq");
        foreach (var file in Directory.GetFiles(local))
        {
            await using var content = File.OpenRead(file);
            await container.WriteAsync("corpus/" + Path.GetFileName(file), content);
        }
        await container.WriteAsync("corpus/_SUCCESS", new MemoryStream([]));
        var output = new PrefixedBlobStore(container, "vectors/");
        var environment = new Dictionary<string, string?>
        {
            [AzureConnectionString.ConnectionStringVariable] = fixture.Azurite.ConnectionString,
            ["XDG_CACHE_HOME"] = Path.Combine(_dir, "cache"),
        };

        var (code, _, err) = Embedctl.Run(environment, null,
            ParquetInputRunTests.RunArgs($"az://{container.Container}/corpus/", $"az://{container.Container}/vectors"));

        Assert.True(code == 0, err);
        Assert.Contains($"succeeded: {ParquetInputRunTests.GoodRows} documents", err);
        var downloaded = await BlobCorpus.DownloadAsync(output, Path.Combine(_dir, "download"));
        var counts = DuckDb.Query($"SELECT count(*), count(DISTINCT id) FROM read_parquet('{DuckDb.Glob(downloaded)}')")[0][0];
        Assert.Equal(ParquetInputRunTests.GoodRows, counts[0].GetInt64());
        Assert.Equal(ParquetInputRunTests.GoodRows, counts[1].GetInt64());
    }
}
