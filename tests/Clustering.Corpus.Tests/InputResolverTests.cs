using Clustering.Storage;

namespace Clustering.Corpus.Tests;

public sealed class InputResolverTests
{
    private static TempFolder Tree()
    {
        var folder = new TempFolder();
        foreach (var file in new[]
        {
            "data/a.jsonl", "data/b.ndjson", "data/c.jsonl.gz", "data/notes.txt", "data/readme.md", "data/config.json",
            "data/image.png", "data/sub/d.jsonl", "data/sub/deep/e.jsonl", "data/.hidden/h.jsonl", "data/_errors/x.jsonl",
            "data/.h.jsonl", "data/A1.jsonl", "data/A2.jsonl", "data/Ab.jsonl", "other/z.txt",
        })
            folder.Write(file, file.EndsWith(".gz") ? CorpusTestKit.Gzip("{}"u8.ToArray()) : "{}"u8.ToArray());
        return folder;
    }

    private static async Task<List<string>> Resolve(params string[] arguments) =>
        (await new InputResolver(new InputStores()).ResolveAsync(arguments)).Select(i => i.Name).ToList();

    [Fact]
    public async Task AFolderIsWalkedRecursivelyForKnownExtensionsSkippingHiddenAndUnderscorePaths()
    {
        using var t = Tree();
        var names = await Resolve(t.Path + "/data");
        Assert.Equal(
            ["A1.jsonl", "A2.jsonl", "Ab.jsonl", "a.jsonl", "b.ndjson", "c.jsonl.gz", "notes.txt", "readme.md", "sub/d.jsonl", "sub/deep/e.jsonl"],
            names.Select(n => n[(t.Path.Length + 6)..]));
        var inputs = await new InputResolver(new InputStores()).ResolveAsync([t.Path + "/data/"]);
        var gz = inputs.Single(i => i.Key == "c.jsonl.gz");
        Assert.Equal((InputFormat.GzipJsonLines, t.Path + "/data", new FileInfo(t.Path + "/data/c.jsonl.gz").Length), (gz.Format, gz.Root, gz.Length));
        Assert.False(string.IsNullOrEmpty(gz.ETag));
    }

    [Fact]
    public async Task GlobsMatchKeysBelowTheirLiteralBase()
    {
        using var t = Tree();
        string Rel(string name) => name[(t.Path.Length + 1)..];
        // Globs skip only dot-names, as shells do: '_errors' is matched when the pattern says so.
        Assert.Equal(["data/A1.jsonl", "data/A2.jsonl", "data/Ab.jsonl", "data/_errors/x.jsonl", "data/a.jsonl", "data/sub/d.jsonl", "data/sub/deep/e.jsonl"],
            (await Resolve(t.Path + "/data/**/*.jsonl")).Select(Rel));
        Assert.Equal(["data/A1.jsonl", "data/A2.jsonl", "data/Ab.jsonl", "data/a.jsonl"], (await Resolve(t.Path + "/data/*.jsonl")).Select(Rel));
        Assert.Equal(["data/A1.jsonl", "data/A2.jsonl", "data/Ab.jsonl"], (await Resolve(t.Path + "/data/A?.jsonl")).Select(Rel));
        Assert.Equal(["data/A1.jsonl", "data/A2.jsonl"], (await Resolve(t.Path + "/data/A[0-9].jsonl")).Select(Rel));
        Assert.Equal(["data/Ab.jsonl"], (await Resolve(t.Path + "/data/A[!0-9].jsonl")).Select(Rel));
        Assert.Equal(["data/config.json"], (await Resolve(t.Path + "/data/*.json")).Select(Rel)); // a glob may name .json
        Assert.Equal(["data/notes.txt", "other/z.txt"], (await Resolve(t.Path + "/*/*.txt")).Select(Rel));
        Assert.Equal(["data/.hidden/h.jsonl"], (await Resolve(t.Path + "/data/.hidden/*.jsonl")).Select(Rel));
        Assert.Equal(["data/sub/d.jsonl"], (await Resolve(t.Path + "/data/s*/d.jsonl")).Select(Rel));
    }

    [Fact]
    public async Task InputsAreSortedAndDeduplicatedAcrossArguments()
    {
        using var t = Tree();
        var names = await Resolve(t.Path + "/other/z.txt", t.Path + "/data/sub", t.Path + "/data/sub/d.jsonl", t.Path + "/data/**/d.jsonl");
        Assert.Equal([t.Path + "/data/sub/d.jsonl", t.Path + "/data/sub/deep/e.jsonl", t.Path + "/other/z.txt"], names);
    }

    [Fact]
    public async Task AnExplicitFileIsTakenEvenAsJsonButNotWithAnUnknownExtension()
    {
        using var t = Tree();
        Assert.Equal([t.Path + "/data/config.json"], await Resolve(t.Path + "/data/config.json"));
        var e = await Assert.ThrowsAsync<ClusteringException>(() => Resolve(t.Path + "/data/image.png"));
        Assert.Equal($"--input '{t.Path}/data/image.png': unknown file type (expected .jsonl, .ndjson, .json, .jsonl.gz, .txt, .md, .txt.gz or .parquet)", e.Message);
    }

    [Fact]
    public async Task AnArgumentThatMatchesNothingIsAnErrorNamingIt()
    {
        using var t = Tree();
        Assert.Equal($"--input '{t.Path}/nope': no such file or folder",
            (await Assert.ThrowsAsync<ClusteringException>(() => Resolve(t.Path + "/nope"))).Message);
        Assert.StartsWith($"--input '{t.Path}/data/**/*.avro': matched no input files",
            (await Assert.ThrowsAsync<ClusteringException>(() => Resolve(t.Path + "/data/**/*.avro"))).Message);
        Assert.Equal("--input s3://c/p/: unknown scheme; give a path, az://container/path or an https:// blob URL",
            (await Assert.ThrowsAsync<ClusteringException>(() => Resolve("s3://c/p/"))).Message);
        Assert.False(Directory.Exists(t.Path + "/nope")); // LocalBlobStore would create it: never opened
    }

    [Fact]
    public async Task AMountedStoreIsListedAndGlobbedLikeAFolder()
    {
        using var t = Tree();
        // Stands in for a blob container: "mem://" is mounted onto a local folder.
        var stores = new InputStores(new LocationResolver(mounts: new Dictionary<string, IBlobStore> { ["mem://"] = new LocalBlobStore(t.Path) }));
        var inputs = await new InputResolver(stores).ResolveAsync(["mem://data/sub/", "mem://other/*.txt", "mem://data/a.jsonl"]);
        Assert.Equal(["mem://data/a.jsonl", "mem://data/sub/d.jsonl", "mem://data/sub/deep/e.jsonl", "mem://other/z.txt"], inputs.Select(i => i.Name));
        Assert.Equal(["data/a.jsonl", "data/sub/d.jsonl", "data/sub/deep/e.jsonl", "other/z.txt"], inputs.Select(i => i.Key));
        Assert.All(inputs, i => Assert.Equal("mem://", i.Root));
    }
}
