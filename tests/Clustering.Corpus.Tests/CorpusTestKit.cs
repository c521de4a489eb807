using System.IO.Compression;
using System.Text;

namespace Clustering.Corpus.Tests;

/// <summary>A temporary folder, removed at the end of the test.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "corpus-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Write(string relative, byte[] content)
    {
        var full = System.IO.Path.Combine(Path, relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        File.WriteAllBytes(full, content);
        return full;
    }

    public string Write(string relative, string content) => Write(relative, Encoding.UTF8.GetBytes(content));

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}

internal static class CorpusTestKit
{
    public static byte[] Gzip(byte[] content)
    {
        var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true)) gzip.Write(content);
        return output.ToArray();
    }

    /// <summary>Resolves, plans, and reads every shard in order.</summary>
    public static async Task<(ShardPlan Plan, List<CorpusRecord> Records)> PlanAndReadAsync(IEnumerable<string> arguments, CorpusOptions options,
        int shardDocs = CorpusOptions.DefaultShardDocs)
    {
        var stores = new InputStores();
        var inputs = await new InputResolver(stores).ResolveAsync(arguments);
        var plan = await new ShardPlanner(stores).PlanAsync(inputs, options, shardDocs);
        return (plan, await ReadAllAsync(plan, options));
    }

    public static async Task<List<CorpusRecord>> ReadAllAsync(ShardPlan plan, CorpusOptions options)
    {
        var reader = new ShardReader(new InputStores(), options);
        var records = new List<CorpusRecord>();
        for (var s = 0; s < plan.Shards.Count; s++)
            await foreach (var record in reader.ReadAsync(plan.SpecOf(s))) records.Add(record);
        return records;
    }

    public static async Task<List<CorpusRecord>> ReadShardAsync(ShardPlan plan, CorpusOptions options, int shard)
    {
        var records = new List<CorpusRecord>();
        await foreach (var record in new ShardReader(new InputStores(), options).ReadAsync(plan.SpecOf(shard))) records.Add(record);
        return records;
    }

    /// <summary>One line per record, for comparing two reads exactly.</summary>
    public static string Describe(CorpusRecord record) => record switch
    {
        Document d => $"D {d.Source}:{d.Line} id={d.Id} text={d.Text} kept=[{string.Join("|", d.KeptFields.Select(k => k ?? "<null>"))}]",
        DocumentError e => $"E {e}",
        _ => throw new InvalidOperationException(),
    };
}
