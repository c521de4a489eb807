using System.Security.Cryptography;
using System.Text.Json;
using Clustering.Inference;
using Clustering.Parquet;
using Clustering.Storage;

namespace Clustering.Pipeline;

/// <summary>
/// What a shard attempt and a stream window share on the way out: the Parquet key-value metadata of a part, the
/// upload of a finished temp file with its SHA-256 (the manifest's checksum), and the JSON-lines errors file.
/// </summary>
internal static class PartFiles
{
    public static EmbeddingMetadata Metadata(EmbeddingModel model, string jobId) => new()
    {
        ModelId = model.ModelId,
        Pooling = model.Pooling.ToString().ToLowerInvariant(),
        Normalized = model.Normalize,
        Prompt = model.Prompt,
        Dtype = "float32",
        JobId = jobId,
        ToolVersion = ToolVersion.Text,
    };

    /// <summary>Hashes the temp file, then uploads it to <paramref name="key"/>: its length there and its SHA-256.</summary>
    public static async Task<(long Bytes, string Sha256)> UploadAsync(IBlobStore output, string key, string path, CancellationToken token)
    {
        string sha;
        await using (var hashing = File.OpenRead(path))
            sha = Convert.ToHexStringLower(await SHA256.HashDataAsync(hashing, token).ConfigureAwait(false));
        await using var content = File.OpenRead(path);
        var item = await output.WriteAsync(key, content, cancellationToken: token).ConfigureAwait(false);
        return (item.Length, sha);
    }

    /// <summary>One JSON object per item, each on its own line; <paramref name="writeFields"/> writes the object's fields.</summary>
    public static byte[] JsonLines<T>(IEnumerable<T> items, Action<Utf8JsonWriter, T> writeFields)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            foreach (var item in items)
            {
                json.WriteStartObject();
                writeFields(json, item);
                json.WriteEndObject();
                json.Flush();
                buffer.WriteByte((byte)'\n');
                json.Reset();
            }
        }
        return buffer.ToArray();
    }
}
