using System.Text.Json;
using Clustering.Storage;

namespace Clustering.Cluster.Streaming;

/// <summary>
/// The cluster's stream jobs in the catalog store: <c>jobs/NAME.json</c> (the definition) and
/// <c>sources/URI.json</c> (the job that consumes a source: one per source, so no event is split between jobs).
/// Both are created create-if-absent, so two silos creating at once cannot both succeed.
/// </summary>
public sealed class StreamCatalog(StreamServices services)
{
    private const string Jobs = "jobs/", Sources = "sources/";
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private IBlobStore Store => services.Catalog;

    public async Task<StreamJobDefinition?> GetAsync(string name)
    {
        var bytes = await ReadAsync(Jobs + name + ".json");
        return bytes is null ? null : JsonSerializer.Deserialize<StreamJobDefinition>(bytes, Json);
    }

    public async Task<string?> JobOfSourceAsync(string sourceUri)
    {
        var bytes = await ReadAsync(SourceKey(sourceUri));
        return bytes is null ? null : JsonSerializer.Deserialize<string>(bytes, Json);
    }

    /// <summary>Records the job and claims its source; refuses a source another job consumes. False: the name exists.</summary>
    public async Task<bool> TryCreateAsync(StreamJobDefinition definition, string sourceUri)
    {
        var owner = await JobOfSourceAsync(sourceUri);
        if (owner is not null && owner != definition.Name)
            throw new ClusteringException($"--source {sourceUri}: stream job '{owner}' already consumes it (one job per source; delete it first)");
        try
        {
            await Store.WriteAsync(Jobs + definition.Name + ".json", new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(definition, Json)), WriteCondition.CreateOnly);
        }
        catch (BlobConditionFailedException)
        {
            return false;
        }
        try
        {
            await Store.WriteAsync(SourceKey(sourceUri), new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(definition.Name, Json)), WriteCondition.CreateOnly);
        }
        catch (BlobConditionFailedException)
        {
            if (await JobOfSourceAsync(sourceUri) == definition.Name) return true;
            await Store.DeleteAsync(Jobs + definition.Name + ".json");
            throw new ClusteringException($"--source {sourceUri}: stream job '{await JobOfSourceAsync(sourceUri)}' claimed it first (one job per source)");
        }
        return true;
    }

    public async Task DeleteAsync(StreamJobDefinition definition, string sourceUri)
    {
        if (await JobOfSourceAsync(sourceUri) == definition.Name) await Store.DeleteAsync(SourceKey(sourceUri));
        await Store.DeleteAsync(Jobs + definition.Name + ".json");
    }

    public async Task<List<string>> NamesAsync()
    {
        var names = new List<string>();
        await foreach (var item in Store.ListAsync(Jobs))
            if (item.Key.EndsWith(".json", StringComparison.Ordinal)) names.Add(item.Key[Jobs.Length..^".json".Length]);
        return names;
    }

    private static string SourceKey(string uri) => Sources + Uri.EscapeDataString(uri) + ".json";

    private async Task<byte[]?> ReadAsync(string key)
    {
        try
        {
            await using var stream = await Store.OpenReadAsync(key);
            using var buffer = new MemoryStream();
            await stream.CopyToAsync(buffer);
            return buffer.ToArray();
        }
        catch (BlobNotFoundException)
        {
            return null;
        }
    }
}
