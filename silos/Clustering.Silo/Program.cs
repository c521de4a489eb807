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
