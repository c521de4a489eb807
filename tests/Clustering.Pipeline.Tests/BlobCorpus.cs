using System.IO.Compression;
using System.Text;
using Clustering.Storage;

namespace Clustering.Pipeline.Tests;

/// <summary>Corpora put into a blob store, and a job's output taken out of one, for the blob job tests.</summary>
internal static class BlobCorpus
{
    /// <summary>
    /// Writes <paramref name="objects"/> JSON-lines objects of <paramref name="perObject"/> documents under
    /// <paramref name="prefix"/> (the last one as .jsonl.gz), plus objects a folder listing must skip: a hidden file, a
    /// marker, an `_errors/` file, an unknown extension, and a sibling prefix that merely starts the same. Returns the
    /// ids of the documents that must be embedded.
    /// </summary>
    public static async Task<List<string>> UploadAsync(IBlobStore store, string prefix, int objects, int perObject)
    {
        var ids = new List<string>();
        for (var o = 0; o < objects; o++)
        {
            var lines = new StringBuilder();
            for (var i = 0; i < perObject; i++)
            {
                var id = $"o{o}-d{i}";
                lines.Append($"{{\"id\":\"{id}\",\"text\":{System.Text.Json.JsonSerializer.Serialize(TestCorpus.Text(o * perObject + i))}}}\n");
                ids.Add(id);
            }
            var bytes = Encoding.UTF8.GetBytes(lines.ToString());
            var gzip = o == objects - 1;
            await store.WriteAsync($"{prefix}part-{o:D3}.jsonl{(gzip ? ".gz" : "")}", new MemoryStream(gzip ? Gzip(bytes) : bytes));
        }
        var decoy = "{\"id\":\"decoy\",\"text\":\"must not be read\"}\n"u8.ToArray();
        foreach (var key in new[] { ".hidden.jsonl", "_errors/part-00000-a1.jsonl", "notes.bin", "_SUCCESS" })
            await store.WriteAsync(prefix + key, new MemoryStream(decoy));
        await store.WriteAsync(prefix.TrimEnd('/') + "-other/part.jsonl", new MemoryStream(decoy));
        return ids;
    }

    /// <summary>Objects a listing of <paramref name="prefix"/> meets (documents and decoys, not the sibling prefix).</summary>
    public static int ObjectsUnder(int objects) => objects + 4;

    private static byte[] Gzip(byte[] bytes)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest)) gzip.Write(bytes);
        return buffer.ToArray();
    }

    /// <summary>Copies every object of <paramref name="output"/> into <paramref name="folder"/>; returns the folder.</summary>
    public static async Task<string> DownloadAsync(IBlobStore output, string folder)
    {
        await foreach (var item in output.ListAsync(""))
        {
            var path = Path.Combine(folder, item.Key);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await using var source = await output.OpenReadAsync(item.Key);
            await using var file = File.Create(path);
            await source.CopyToAsync(file);
        }
        return folder;
    }

    /// <summary>The part objects under a job's output.</summary>
    public static async Task<List<string>> PartsAsync(IBlobStore output) =>
        await output.ListAsync("").Select(i => i.Key).Where(k => k.StartsWith("part-", StringComparison.Ordinal)).ToListAsync();
}
