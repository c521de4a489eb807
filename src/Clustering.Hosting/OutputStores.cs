using Clustering.Storage;

namespace Clustering.Hosting;

/// <summary>
/// The store a job's output location names. Local folders for now; blob URIs (issue 7) resolve through the same
/// function once the Azure store lands.
/// </summary>
public static class OutputStores
{
    public static IBlobStore Open(string output)
    {
        if (output.Contains("://", StringComparison.Ordinal) && !output.StartsWith("file://", StringComparison.OrdinalIgnoreCase))
            throw new ClusteringException($"--output '{output}': blob storage outputs are not supported yet; give a local folder");
        var path = output.StartsWith("file://", StringComparison.OrdinalIgnoreCase) ? new Uri(output).LocalPath : output;
        return new LocalBlobStore(Path.GetFullPath(path));
    }
}
