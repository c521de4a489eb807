namespace Clustering.Silo;

/// <summary>
/// What a silo is told at start, from flags, CLUSTERING_* environment variables and appsettings.json (in that order
/// of precedence). The token is held here and in the auth middleware only; nothing logs this object.
/// </summary>
public sealed class SiloOptions
{
    /// <summary>sqlite:PATH, postgres://user[:pass]@host:port/db or an Npgsql connection string.</summary>
    public string Store { get; set; } = "";

    /// <summary>cpu, cuda (every GPU) or cuda:0,1.</summary>
    public string Devices { get; set; } = "cpu";

    /// <summary>Where the HTTP API listens; several URLs separated by ';'.</summary>
    public string Listen { get; set; } = "http://127.0.0.1:8080";

    /// <summary>The bearer token every API call must carry; required whenever <see cref="Listen"/> reaches beyond loopback.</summary>
    public string? Token { get; set; }

    /// <summary>The silo's name in the workers list and in leases; default: the host name and the process id.</summary>
    public string? Name { get; set; }

    /// <summary>CPU workers when <see cref="Devices"/> is cpu (each with its own model copy).</summary>
    public int Workers { get; set; } = 1;

    /// <summary>How long a graceful stop may take to finish or release the shards in hand (at least 30 s).</summary>
    public int LeaseSeconds { get; set; } = 30;

    /// <summary>CPU threads per worker's engine (0: the cores divided among the workers).</summary>
    public int Threads { get; set; }

    /// <summary>
    /// Local folders a submitted job may read from and write to (inputs, model, output), separated by ';'. Empty:
    /// any path the silo's user can reach (fine on a private cluster; set it when submitters are less trusted).
    /// </summary>
    public string? AllowPaths { get; set; }

    /// <summary>First retry delay of a failed shard, doubling per failure up to 10 minutes (with jitter).</summary>
    public double RetryBaseSeconds { get; set; } = 10;

    /// <summary>The Orleans silo-to-silo port.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>The Orleans gateway port (clients of the cluster; the HTTP API does not need it).</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>
    /// The IP address other silos reach this one on; default: 127.0.0.1 when the API listens on loopback only, else
    /// the API's address when it names one, else this host's first IPv4 address that is not loopback.
    /// </summary>
    public string? ClusterAddress { get; set; }

    /// <summary>Silos with the same store and cluster id form one cluster.</summary>
    public string ClusterId { get; set; } = "embedding";

    /// <summary>
    /// Models served online through /v1/embeddings, as NAME=DIR (or DIR, named by its folder) separated by ';'. Each
    /// loads on first request on this silo's worker devices and shares them with the workers' shards.
    /// </summary>
    public string? Serve { get; set; }

    /// <summary>
    /// The memory each device of this silo may give to models served online, in MiB (0: no budget, models load while
    /// the device has memory). A model's share is its weights on the device (<see cref="ModelFootprint"/>); the model
    /// a worker holds for a running job's shards counts too. A load that does not fit evicts the least recently used
    /// idle online models; when that is not enough the request is answered 503.
    /// </summary>
    public long ServeMemoryMib { get; set; }

    /// <summary>
    /// The stream sources this silo reads, ';'-separated: azqueue://ACCOUNT/QUEUE (with <see cref="QueueConnection"/>),
    /// eventhub://NAMESPACE/HUB[/GROUP] (with <see cref="EventHubConnection"/>). A stream job may only name one of them.
    /// </summary>
    public string? StreamSources { get; set; }

    /// <summary>Azure Storage connection string of the azqueue:// sources' account (its AccountName must be the URI's ACCOUNT).</summary>
    public string? QueueConnection { get; set; }

    /// <summary>
    /// What carries planned shards to their job grain: memory (the default: Orleans memory streams inside the cluster)
    /// azqueue://ACCOUNT/QUEUE, an Azure Storage queue (with <see cref="QueueConnection"/>), or
    /// eventhub://NAMESPACE/HUB[/CONSUMER_GROUP], an Event Hub (with <see cref="EventHubConnection"/>). Every silo of a cluster
    /// must give the same.
    /// </summary>
    public string? WorkQueue { get; set; }

    /// <summary>Event Hubs connection string of the eventhub:// sources' namespace.</summary>
    public string? EventHubConnection { get; set; }

    /// <summary>Azure Storage connection string where Event Hubs checkpoints are kept (Azure Tables); default: <see cref="QueueConnection"/>.</summary>
    public string? EventHubCheckpoints { get; set; }

    /// <summary>
    /// Where the cluster's stream job definitions live (a folder or blob URI every silo reaches). Default with a
    /// sqlite: store: a "streams" folder beside the database; a PostgreSQL cluster with stream sources must name one.
    /// </summary>
    public string? StreamCatalog { get; set; }

    /// <summary>
    /// The shortest period a schedule may have, in seconds: schedules are Orleans reminders, whose minimum period is one
    /// minute. A rule that fires more often (<c>@every 30s</c>) is refused when the schedule is created. Lower it only
    /// for tests and demos (Orleans warns that fast reminders do not suit production).
    /// </summary>
    public int ScheduleMinimumSeconds { get; set; } = 60;

    public TimeSpan ScheduleMinimumPeriod => TimeSpan.FromSeconds(ScheduleMinimumSeconds);

    /// <summary>
    /// Serves the Orleans dashboard at /dashboard on the API's address, under the API's token rule. Off by default:
    /// it profiles every grain call while on.
    /// </summary>
    public bool Dashboard { get; set; }

    public const string DashboardPath = "/dashboard";

    public string ResolvedName => string.IsNullOrWhiteSpace(Name) ? $"{Environment.MachineName}-{Environment.ProcessId}" : Name.Trim();

    public TimeSpan LeaseDuration => TimeSpan.FromSeconds(LeaseSeconds);

    /// <summary>
    /// The host's shutdown timeout: how long SIGTERM may take (workers release the shards in hand, the silo leaves the
    /// cluster) before the stop turns ungraceful. Supervisors must allow more than this before SIGKILL.
    /// </summary>
    public TimeSpan StopTimeout => TimeSpan.FromSeconds(Math.Max(30, LeaseSeconds));

    public IReadOnlyList<string> AllowedRoots =>
        string.IsNullOrWhiteSpace(AllowPaths) ? [] : AllowPaths.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Refuses settings no silo could run with, naming the flag.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Store))
            throw new ClusteringException("--store is required (or CLUSTERING_STORE): sqlite:PATH, postgres://user@host:port/db or an Npgsql connection string");
        if (Workers is < 1 or > 256) throw new ClusteringException($"--workers: must be 1 to 256 (got {Workers})");
        if (LeaseSeconds is < 2 or > 3600) throw new ClusteringException($"--lease-seconds: must be 2 to 3600 (got {LeaseSeconds})");
        if (RetryBaseSeconds is < 0 or > 600) throw new ClusteringException($"--retry-base-seconds: must be 0 to 600 (got {RetryBaseSeconds})");
        if (SiloPort is < 1 or > 65535) throw new ClusteringException($"--silo-port: must be 1 to 65535 (got {SiloPort})");
        if (GatewayPort is < 1 or > 65535) throw new ClusteringException($"--gateway-port: must be 1 to 65535 (got {GatewayPort})");
        if (SiloPort == GatewayPort) throw new ClusteringException($"--silo-port and --gateway-port: must differ (both {SiloPort})");
        if (ClusterAddress is { Length: > 0 } a && !System.Net.IPAddress.TryParse(a, out _))
            throw new ClusteringException($"--cluster-address: '{a}' is not an IP address");
        if (string.IsNullOrWhiteSpace(ClusterId) || ClusterId.Length > 100 || ClusterId.Any(c => !char.IsAsciiLetterOrDigit(c) && c is not ('-' or '_' or '.')))
            throw new ClusteringException("--cluster-id: 1 to 100 letters, digits, '-', '_' or '.'");
        if (ScheduleMinimumSeconds is < 1 or > 86400)
            throw new ClusteringException($"--schedule-minimum-seconds: must be 1 to 86400 (got {ScheduleMinimumSeconds})");
        if (Threads is < 0 or > 1024) throw new ClusteringException($"--threads: must be 0 to 1024 (got {Threads})");
        if (Name is not null && (Name.Length > 100 || Name.Any(c => char.IsControl(c))))
            throw new ClusteringException("--name: at most 100 printable characters");
        if (Token is { Length: 0 }) Token = null; // CLUSTERING_TOKEN= (set but empty) means no token
        if (Token is not null)
        {
            if (Token.Length < 16)
                throw new ClusteringException($"--token: at least 16 characters (got {Token.Length}); generate one with: openssl rand -hex 32");
            if (Token.Any(c => c <= ' ' || c > '~'))
                throw new ClusteringException("--token: printable ASCII without spaces only (it travels in an HTTP header)");
        }
        SiloOnlineModels.ParseServe(Serve);
        if (ServeMemoryMib is < 0 or > 1L << 24) throw new ClusteringException($"--serve-memory-mib: must be 0 (no budget) to {1L << 24} (got {ServeMemoryMib})");
        SiloStreams.CheckOptions(this);
        foreach (var root in AllowedRoots)
            if (!Path.IsPathFullyQualified(root)) throw new ClusteringException($"--allow-paths: '{root}' is not an absolute path");
    }
}
