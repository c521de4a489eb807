using Clustering.Storage;
using Clustering.Storage.Azure;
using Clustering.Storage.Tests.Support;

namespace Clustering.Pipeline.Tests;

/// <summary>
/// The output is checked against the record, not the record trusted: a part deleted from a finished output (local or
/// in Azurite), or a fresh container of the same name, is rebuilt by the same command, and `embedctl verify` finds
/// the output whole again (read back by DuckDB: every document once); a part whose bytes changed, a missing one and a
/// missing `_SUCCESS` are named by `verify` with exit code 1.
/// </summary>
[Collection("Azurite")]
public sealed class LostOutputTests(AzuriteFixture fixture) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("clustering-lost-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string[] RunArgs(string input, string output, params string[] extra) =>
        ["run", "--input", input, "--model", TestCorpus.DemoModel, "--output", output, "--shard-docs", "100",
            "--max-length", "512", "--batch-tokens", "2048", "--threads", "1", "--quiet", .. extra];

    private static (int Code, string Out, string Err) Cli(params string[] args) => Embedctl.Run(stdin: null, args: args);

    private static string[] Parts(string output) =>
        Directory.GetFiles(output, "part-*.parquet").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    [Fact]
    public void A_part_deleted_from_a_finished_local_output_is_rebuilt_and_verify_names_what_is_wrong()
    {
        var input = Path.Combine(_dir, "corpus.jsonl");
        var (good, _) = TestCorpus.Write(input, 450);
        var output = Path.Combine(_dir, "out");
        var args = RunArgs(input, output);
        var first = Cli(args);
        Assert.True(first.Code == 0, first.Err);
        var parts = Parts(output);
        Assert.True(parts.Length >= 3, string.Join(", ", parts));
        Assert.Equal("part-00002-a1.parquet", parts[2]);
        Assert.Equal(0, Cli("verify", output).Code);

        File.Delete(Path.Combine(output, parts[2]));
        var gone = Cli("verify", output);
        Assert.Equal(1, gone.Code);
        Assert.Equal($"embedctl verify: {output}: 1 problem", gone.Err.Split('\n')[0]);
        Assert.Contains($"  {parts[2]}: missing", gone.Err);

        var rerun = Cli(args);
        Assert.True(rerun.Code == 0, rerun.Err);
        Assert.Contains($"{parts[2]} is gone from the output: shard 2 is done again", rerun.Err);
        Assert.Contains($"succeeded: {good.Count} documents", rerun.Err);
        var after = Parts(output);
        Assert.Equal(parts.Select(p => p == parts[2] ? "part-00002-a2.parquet" : p), after);
        var verified = Cli("verify", output);
        Assert.True(verified.Code == 0, verified.Err);
        Assert.StartsWith($"{output}: ok: job ", verified.Out);
        Assert.Contains($"{parts.Length} files, {good.Count} rows", verified.Out);
        Assert.Equal(good.Count, DuckDb.Scalar($"SELECT count(DISTINCT id) FROM read_parquet('{DuckDb.Glob(output)}')"));
        Assert.Equal(good.Count, DuckDb.Scalar($"SELECT count(*) FROM read_parquet('{DuckDb.Glob(output)}')"));

        // Bytes changed in place (same size): only the checksum can tell.
        var victim = Path.Combine(output, after[1]);
        var bytes = File.ReadAllBytes(victim);
        bytes[bytes.Length / 2] ^= 0xFF;
        File.WriteAllBytes(victim, bytes);
        var corrupt = Cli("verify", output);
        Assert.Equal(1, corrupt.Code);
        Assert.Contains($"  {after[1]}: SHA-256 ", corrupt.Err);
        Assert.Contains("(its bytes changed)", corrupt.Err);
        Assert.DoesNotContain("Unhandled exception", corrupt.Err);

        File.Delete(Path.Combine(output, "_SUCCESS"));
        Assert.Contains("  _SUCCESS: missing, though _manifest.json says succeeded", Cli("verify", output).Err);

        var nothing = Cli("verify", Path.Combine(_dir, "no-such-output"));
        Assert.Equal(2, nothing.Code);
        Assert.Equal($"embedctl verify: {Path.Combine(_dir, "no-such-output")}: no such folder", nothing.Err.TrimEnd('\n'));
        var notAnOutput = Cli("verify", _dir);
        Assert.Equal(1, notAnOutput.Code);
        Assert.Contains("_manifest.json: not found", notAnOutput.Err);
    }

    [Fact]
    public async Task On_Azurite_a_deleted_part_and_a_fresh_container_of_the_same_name_are_rebuilt()
    {
        var input = Path.Combine(_dir, "corpus.jsonl");
        var (good, _) = TestCorpus.Write(input, 350);
        var container = await fixture.NewContainerAsync(stem: "lost");
        var output = new PrefixedBlobStore(container, "runs/a/");
        var environment = new Dictionary<string, string?>
        {
            [AzureConnectionString.ConnectionStringVariable] = fixture.Azurite.ConnectionString,
            ["XDG_CACHE_HOME"] = Path.Combine(_dir, "cache"),
        };
        var url = $"az://{container.Container}/runs/a";
        var args = RunArgs(input, url);
        var first = Embedctl.Run(environment, null, args);
        Assert.True(first.Code == 0, first.Err);
        var parts = (await BlobCorpus.PartsAsync(output)).Order(StringComparer.Ordinal).ToList();
        Assert.True(parts.Count >= 2, string.Join(", ", parts));
        Assert.Equal("part-00001-a1.parquet", parts[1]);

        await output.DeleteAsync(parts[1]);
        var gone = Embedctl.Run(environment, null, "verify", url);
        Assert.Equal(1, gone.Code);
        Assert.Contains($"  {parts[1]}: missing", gone.Err);
        var rerun = Embedctl.Run(environment, null, args);
        Assert.True(rerun.Code == 0, rerun.Err);
        Assert.Contains($"{parts[1]} is gone from the output: shard 1 is done again", rerun.Err);
        Assert.Contains("part-00001-a2.parquet", await BlobCorpus.PartsAsync(output));
        var verified = Embedctl.Run(environment, null, "verify", url);
        Assert.True(verified.Code == 0, verified.Err);
        Assert.Contains($"{parts.Count} files, {good.Count} rows", verified.Out);

        // The same name, a fresh container: the state in the cache says succeeded; the output says otherwise.
        Assert.True(await container.DeleteContainerIfExistsAsync());
        await WaitUntilCreatedAsync(container);
        var fresh = Embedctl.Run(environment, null, args);
        Assert.True(fresh.Code == 0, fresh.Err);
        Assert.Contains($"succeeded: {good.Count} documents", fresh.Err);
        Assert.Equal(parts.Count, (await BlobCorpus.PartsAsync(output)).Count);
        Assert.Equal(0, Embedctl.Run(environment, null, "verify", url).Code);
        var local = await BlobCorpus.DownloadAsync(output, Path.Combine(_dir, "download"));
        Assert.Equal(good.Count, DuckDb.Scalar($"SELECT count(DISTINCT id) FROM read_parquet('{DuckDb.Glob(local)}')"));
        Assert.Equal(good.Count, DuckDb.Scalar($"SELECT count(*) FROM read_parquet('{DuckDb.Glob(local)}')"));
    }

    /// <summary>A container deleted a moment ago cannot be created again at once (409 while it is being deleted).</summary>
    private static async Task WaitUntilCreatedAsync(AzureBlobStore container)
    {
        var until = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                await container.CreateContainerIfNotExistsAsync();
                return;
            }
            catch (AzureStorageException) when (DateTime.UtcNow < until) { }
            await Task.Delay(500);
        }
    }
}
