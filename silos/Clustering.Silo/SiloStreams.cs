using Clustering.Cluster;
using Clustering.Cluster.Streaming;
using Clustering.Coordination;
using Clustering.Hosting;
using Clustering.Pipeline.Streaming;
using Clustering.Storage;
using Orleans.Hosting;

namespace Clustering.Silo;

/// <summary>
/// Stream jobs on this silo: the sources it reads (<c>--stream-sources</c>, each an Orleans stream provider fixed at
/// start), the catalog of job definitions every silo shares, and windows embedded on this silo's devices.
/// </summary>
public static class SiloStreams
{
    public static IReadOnlyList<StreamSource> Sources(SiloOptions options) =>
        [.. (options.StreamSources ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(StreamSource.Parse)];

    /// <summary>
    /// The queue of <c>--work-queue azqueue://ACCOUNT/QUEUE</c> or <c>eventhub://NAMESPACE/HUB[/CONSUMER_GROUP]</c>, or null
    /// for memory streams (the default); refuses anything else, naming the flag.
    /// </summary>
    public static WorkQueue? WorkQueueOf(SiloOptions options)
    {
        var text = options.WorkQueue?.Trim();
        if (string.IsNullOrEmpty(text) || text.Equals("memory", StringComparison.OrdinalIgnoreCase)) return null;
        const string shapes = "give memory (the default), azqueue://ACCOUNT/QUEUE or eventhub://NAMESPACE/HUB[/CONSUMER_GROUP]";
        const string hubScheme = "eventhub://";
        if (text.StartsWith(hubScheme, StringComparison.OrdinalIgnoreCase))
        {
            var hubParts = text[hubScheme.Length..].Split('/');
            if (hubParts is not ([_, _] or [_, _, _]) || hubParts.Any(p => p.Length == 0 || p.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))))
                throw new ClusteringException($"--work-queue '{text}': {shapes} (each part letters, digits, '-', '_' or '.')");
            if (string.IsNullOrWhiteSpace(options.EventHubConnection))
                throw new ClusteringException($"--work-queue {text}: give --eventhub-connection (or CLUSTERING_EVENTHUBCONNECTION)");
            var checkpoints = options.EventHubCheckpoints ?? options.QueueConnection;
            if (string.IsNullOrWhiteSpace(checkpoints))
                throw new ClusteringException($"--work-queue {text}: give --eventhub-checkpoints (or --queue-connection), the Azure Storage account for its checkpoints");
            var group = hubParts.Length == 3 ? hubParts[2] : "$Default";
            return new EventHubWorkQueue($"{hubScheme}{string.Join('/', hubParts)}", hubParts[1], group, options.EventHubConnection, checkpoints);
        }
        const string scheme = "azqueue://";
        var parts = text.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) ? text[scheme.Length..].Split('/') : [];
        if (parts is not [{ Length: > 0 } account, var queue])
            throw new ClusteringException($"--work-queue '{text}': {shapes}");
        if (!System.Text.RegularExpressions.Regex.IsMatch(queue, "^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}$"))
            throw new ClusteringException($"--work-queue '{text}': the queue name must be 3 to 63 lowercase letters, digits and single hyphens, starting with a letter or digit");
        if (string.IsNullOrWhiteSpace(options.QueueConnection))
            throw new ClusteringException($"--work-queue {text}: give --queue-connection (or CLUSTERING_QUEUECONNECTION), the account's connection string");
        var named = AccountOf(options.QueueConnection);
        if (!string.Equals(named, account, StringComparison.Ordinal))
            throw new ClusteringException($"--work-queue {text}: --queue-connection is for account '{named ?? "(none named)"}', not '{account}'");
        return new AzureWorkQueue(queue, options.QueueConnection);
    }

    /// <summary>Refuses stream settings no silo could start with, naming the flag.</summary>
    public static void CheckOptions(SiloOptions options)
    {
        WorkQueueOf(options);
        var sources = Sources(options);
        foreach (var source in sources)
        {
            switch (source.Scheme)
            {
                case StreamSource.AzureQueue:
                    if (string.IsNullOrWhiteSpace(options.QueueConnection))
                        throw new ClusteringException($"--stream-sources {source.Uri}: give --queue-connection (or CLUSTERING_QUEUECONNECTION), the account's connection string");
                    var account = AccountOf(options.QueueConnection);
                    if (!string.Equals(account, source.Account, StringComparison.Ordinal))
                        throw new ClusteringException($"--stream-sources {source.Uri}: --queue-connection is for account '{account ?? "(none named)"}', not '{source.Account}'");
                    break;
                case StreamSource.EventHub:
                    if (string.IsNullOrWhiteSpace(options.EventHubConnection))
                        throw new ClusteringException($"--stream-sources {source.Uri}: give --eventhub-connection (or CLUSTERING_EVENTHUBCONNECTION)");
                    if (string.IsNullOrWhiteSpace(options.EventHubCheckpoints ?? options.QueueConnection))
                        throw new ClusteringException($"--stream-sources {source.Uri}: give --eventhub-checkpoints, an Azure Storage connection string for its checkpoints");
                    break;
                default:
                    throw new ClusteringException($"--stream-sources {source.Uri}: a silo reads azqueue:// or eventhub:// sources");
            }
        }
        if (sources.Select(s => s.Uri).Distinct().Count() != sources.Count) throw new ClusteringException("--stream-sources: a source is named twice");
        if (sources.Count > 0 && CatalogOf(options) is null)
            throw new ClusteringException("--stream-catalog: a PostgreSQL cluster with stream sources needs a folder or blob URI every silo reaches for its stream jobs");
    }

    /// <summary>Where the stream job definitions live: the flag, else a streams folder beside a sqlite: store, else none.</summary>
    public static string? CatalogOf(SiloOptions options)
    {
        if (!string.IsNullOrWhiteSpace(options.StreamCatalog)) return options.StreamCatalog.Trim();
        if (StoreAddress.KindOf(options.Store) != StoreKind.Sqlite) return null;
        var path = options.Store.Trim();
        if (path.StartsWith("sqlite:", StringComparison.OrdinalIgnoreCase)) path = path["sqlite:".Length..];
        return Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path)) ?? "/", "streams");
    }

    /// <summary>Adds stream jobs and this silo's sources to the silo; nothing when it reads no source.</summary>
    public static void Configure(ISiloBuilder silo, SiloOptions options, SiloCluster cluster)
    {
        var sources = Sources(options);
        if (sources.Count == 0) return;
        var locations = new LocationResolver();
        silo.AddEmbeddingStreams(new StreamServices
        {
            Catalog = locations.OpenFolder(CatalogOf(options)!, "--stream-catalog"),
            Outputs = output => locations.OpenFolder(output),
            Windows = new StreamWindowWriter(cluster.StreamModels.For),
        });
        foreach (var source in sources)
        {
            if (source.Scheme == StreamSource.AzureQueue) silo.AddAzureQueueDocumentSource(source.Uri, options.QueueConnection!);
            else silo.AddEventHubDocumentSource(source.Uri, options.EventHubConnection!, (options.EventHubCheckpoints ?? options.QueueConnection)!);
        }
    }

    /// <summary>The AccountName of an Azure Storage connection string (devstoreaccount1 for UseDevelopmentStorage=true).</summary>
    private static string? AccountOf(string connectionString)
    {
        foreach (var part in connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = part.IndexOf('=');
            if (equals < 0) continue;
            var key = part[..equals].Trim();
            var value = part[(equals + 1)..].Trim();
            if (key.Equals("AccountName", StringComparison.OrdinalIgnoreCase)) return value;
            if (key.Equals("UseDevelopmentStorage", StringComparison.OrdinalIgnoreCase) && value.Equals("true", StringComparison.OrdinalIgnoreCase)) return "devstoreaccount1";
        }
        return null;
    }
}
