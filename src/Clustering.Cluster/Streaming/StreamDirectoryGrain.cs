namespace Clustering.Cluster.Streaming;

/// <summary>
/// Lists the stream jobs of the catalog with their status. Asking each job activates it, so listing also brings back
/// jobs whose silo died while their source was quiet (their sealed or open windows are then committed).
/// </summary>
internal sealed class StreamDirectoryGrain(StreamCatalog catalog) : Grain, IStreamDirectoryGrain
{
    public async Task<StreamJobStatus[]> List()
    {
        var names = await catalog.NamesAsync();
        var statuses = await Task.WhenAll(names.Select(n => GrainFactory.GetGrain<IStreamJobGrain>(n).Status()));
        return [.. statuses.Where(s => s.State != "absent").OrderBy(s => s.Name, StringComparer.Ordinal)];
    }
}
