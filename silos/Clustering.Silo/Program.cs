using Clustering;
using Clustering.Silo;

// embed-silo: thin wiring; the host is built in SiloHost, the cluster machinery in SiloCluster.
if (args is ["--help"] or ["-h"])
{
    Console.WriteLine(SiloConfiguration.Usage);
    return 0;
}
try
{
    return await SiloHost.RunAsync(args);
}
catch (ClusteringException e)
{
    Console.Error.WriteLine("embed-silo: " + e.Message);
    return 2;
}
catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Net.Sockets.SocketException)
{
    // A port in use, a folder that cannot be written: one line, not a stack trace (CLUSTERING_DEBUG=1 shows it).
    Console.Error.WriteLine("embed-silo: " + e.Message);
    if (Environment.GetEnvironmentVariable("CLUSTERING_DEBUG") == "1") Console.Error.WriteLine(e);
    return 1;
}
