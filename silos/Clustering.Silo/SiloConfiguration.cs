using Microsoft.Extensions.Configuration;

namespace Clustering.Silo;

/// <summary>
/// Builds the silo's configuration: appsettings.json, then CLUSTERING_* environment variables, then flags, each
/// overriding the one before. Flags are checked against the known list first, so a typo is an error rather than a
/// silently ignored key.
/// </summary>
public static class SiloConfiguration
{
    /// <summary>Flag → configuration key.</summary>
    public static readonly IReadOnlyDictionary<string, string> Flags = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["--store"] = nameof(SiloOptions.Store),
        ["--devices"] = nameof(SiloOptions.Devices),
        ["--listen"] = nameof(SiloOptions.Listen),
        ["--token"] = nameof(SiloOptions.Token),
        ["--name"] = nameof(SiloOptions.Name),
        ["--workers"] = nameof(SiloOptions.Workers),
        ["--lease-seconds"] = nameof(SiloOptions.LeaseSeconds),
        ["--threads"] = nameof(SiloOptions.Threads),
        ["--allow-paths"] = nameof(SiloOptions.AllowPaths),
        ["--silo-port"] = nameof(SiloOptions.SiloPort),
        ["--gateway-port"] = nameof(SiloOptions.GatewayPort),
        ["--cluster-address"] = nameof(SiloOptions.ClusterAddress),
        ["--cluster-id"] = nameof(SiloOptions.ClusterId),
        ["--retry-base-seconds"] = nameof(SiloOptions.RetryBaseSeconds),
        ["--serve"] = nameof(SiloOptions.Serve),
        ["--serve-memory-mib"] = nameof(SiloOptions.ServeMemoryMib),
        ["--stream-sources"] = nameof(SiloOptions.StreamSources),
        ["--queue-connection"] = nameof(SiloOptions.QueueConnection),
        ["--work-queue"] = nameof(SiloOptions.WorkQueue),
        ["--eventhub-connection"] = nameof(SiloOptions.EventHubConnection),
        ["--eventhub-checkpoints"] = nameof(SiloOptions.EventHubCheckpoints),
        ["--stream-catalog"] = nameof(SiloOptions.StreamCatalog),
        ["--schedule-minimum-seconds"] = nameof(SiloOptions.ScheduleMinimumSeconds),
        ["--dashboard"] = nameof(SiloOptions.Dashboard),
    };

    /// <summary>Flags that stand alone (on when given; --flag=false turns one off again).</summary>
    public static readonly IReadOnlySet<string> Switches = new HashSet<string>(StringComparer.Ordinal) { "--dashboard" };

    public const string Usage = """
        embed-silo: an Orleans silo of the embedding cluster. Runs a worker per device of this machine, hosts job
        grains (coordinators) as Orleans places them, and serves the HTTP API (any silo answers for the whole cluster).
        Membership is kept in the PostgreSQL store; a sqlite: store makes a cluster of this one silo.

        Flags (also CLUSTERING_<NAME> environment variables and appsettings.json keys; flags win):
          --store ADDRESS        postgres://user[:pass]@host:port/db, an Npgsql connection string, or sqlite:PATH (required)
          --devices D            cpu | cuda | cuda:0,1 (default cpu)
          --workers N            CPU workers (default 1)
          --listen URL           API address(es), ';'-separated (default http://127.0.0.1:8080)
          --token T              bearer token (prefer CLUSTERING_TOKEN: flags show in ps); required beyond loopback
          --name NAME            this silo's name (default host-pid)
          --lease-seconds N      how long a graceful stop may take to release shards (default 30)
          --threads N            CPU threads per worker (default: cores / workers)
          --allow-paths P1;P2    folders jobs may read and write (default: anywhere this user can)
          --silo-port N          Orleans silo-to-silo port (default 11111)
          --gateway-port N       Orleans gateway port (default 30000)
          --cluster-address IP   the address other silos reach this one on (default: loopback when the API is,
                                 else the API's address, else this host's first IPv4 address)
          --cluster-id ID        silos of one store and id form one cluster (default embedding)
          --retry-base-seconds S first retry delay of a failed shard, doubling up to 10 min (default 10)
          --serve NAME=DIR;...   models served online at POST /v1/embeddings (OpenAI's API) on this silo's devices,
                                 loaded on first request; online passes go before shard passes. In a cluster
                                 any silo takes a request and sends it to a silo that has the model loaded, else
                                 to one with room to load it (see README: online routing)
          --serve-memory-mib N   memory per device for online models, in MiB (default 0: no budget). A model
                                 takes its weights' size (parameters x 4 on CPU, x 2 on GPU); a worker's model
                                 for a running job counts too. Full: the least recently used idle online model is
                                 evicted; if that is not enough the request gets 503
          --stream-sources URIS  sources stream jobs may read, ';'-separated: azqueue://ACCOUNT/QUEUE,
                                 eventhub://NAMESPACE/HUB[/GROUP] (embedctl stream create ... --source URI)
          --queue-connection CS  Azure Storage connection string of the azqueue:// account (prefer
                                 CLUSTERING_QUEUECONNECTION: it holds a key)
          --work-queue Q         what carries planned shards to their job's coordinator: memory (default:
                                 Orleans memory streams), azqueue://ACCOUNT/QUEUE (with --queue-connection) or
                                 eventhub://NAMESPACE/HUB[/GROUP] (with --eventhub-connection; a hub unreachable at
                                 start: this silo carries work in memory and logs why); the same on every silo
          --eventhub-connection CS   Event Hubs connection string (CLUSTERING_EVENTHUBCONNECTION)
          --eventhub-checkpoints CS  Azure Storage connection string for Event Hubs checkpoints (default:
                                 --queue-connection)
          --stream-catalog LOC   folder or blob URI holding the stream jobs' definitions, shared by all silos
                                 (default with a sqlite: store: a streams folder beside the database)
          --schedule-minimum-seconds N
                                 the shortest schedule period (default 60: schedules are Orleans reminders, whose
                                 minimum is one minute); a rule firing more often, such as '@every 30s', is refused
                                 when the schedule is created. Lower it only for tests and demos
          --dashboard            serve the Orleans dashboard at /dashboard on the API's address, under the same
                                 token rule (give it to every silo for the whole cluster's picture; off by default)
        """;

    /// <summary>Environment variables with this prefix are settings: CLUSTERING_LEASESECONDS is the key LeaseSeconds.</summary>
    public const string EnvironmentPrefix = "CLUSTERING_";

    /// <summary>Adds the three sources, in precedence order, to <paramref name="configuration"/> (which must be empty).</summary>
    public static void AddSources(IConfigurationBuilder configuration, string contentRoot, string[] args)
    {
        CheckFlags(args);
        configuration.AddJsonFile(Path.Combine(contentRoot, "appsettings.json"), optional: true, reloadOnChange: false);
        configuration.AddEnvironmentVariables(EnvironmentPrefix);
        AddFlags(configuration, args);
    }

    /// <summary>The flags as a configuration source (checked with <see cref="CheckFlags"/> first); deploy/'s manifest test binds them too.</summary>
    public static void AddFlags(IConfigurationBuilder configuration, string[] args) =>
        // The command-line provider knows only --flag value and --flag=value: a switch alone means --switch=true.
        configuration.AddCommandLine([.. args.Select(a => Switches.Contains(a) ? a + "=true" : a)], Flags.ToDictionary(p => p.Key, p => p.Value));

    /// <summary>
    /// A malformed appsettings.json (the configuration provider's nested InvalidDataException, FormatException and
    /// JsonException) as one line naming the file and where, in words.
    /// </summary>
    public static ClusteringException SettingsRefusal(InvalidDataException e)
    {
        var file = System.Text.RegularExpressions.Regex.Match(e.Message, "from file '(?<path>[^']*)'").Groups["path"].Value;
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
            if (inner is System.Text.Json.JsonException json && File.Exists(file)) return JsonErrorText.FileRefusal(file, File.ReadAllBytes(file), json);
        return new ClusteringException(file.Length > 0 ? $"{file}: not a valid settings file" : e.Message);
    }

    /// <summary>Every argument is a known flag followed by a value (--flag value or --flag=value), or a switch alone.</summary>
    public static void CheckFlags(string[] args)
    {
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            var eq = arg.IndexOf('=');
            var flag = eq < 0 ? arg : arg[..eq];
            if (!Flags.ContainsKey(flag))
                throw new ClusteringException(arg.StartsWith('-')
                    ? $"unknown flag '{flag}' (argument {i + 1}); see embed-silo --help"
                    : $"unexpected argument '{arg}' (argument {i + 1}); flags take the form --flag value");
            if (eq < 0 && !Switches.Contains(flag))
            {
                if (i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                    throw new ClusteringException($"{flag} needs a value (argument {i + 1})");
                i++;
            }
        }
    }
}
