using System.Net;
using System.Net.Sockets;
using Clustering.Cluster;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Hosting;

namespace Clustering.Hosting;

/// <summary>
/// The cluster with one in-process silo, as `embedctl run` uses it: localhost clustering on a free loopback port
/// (no gateway: nothing outside this process calls in), the same grains and device host a cluster silo runs
/// (<see cref="ClusterSiloBuilderExtensions.AddEmbeddingCluster"/>), and this process's logs, with Orleans' own
/// chatter held back to warnings.
/// </summary>
public sealed class EmbeddedSilo : IAsyncDisposable
{
    private const int MinPoolThreads = 16;

    private readonly IHost _host;
    private readonly StopSignal _stopping;

    private EmbeddedSilo(IHost host, StopSignal stopping)
    {
        _host = host;
        _stopping = stopping;
        Grains = host.Services.GetRequiredService<IGrainFactory>();
        Devices = host.Services.GetRequiredService<DeviceHost>();
    }

    public IGrainFactory Grains { get; }

    /// <summary>This silo's device workers (whether any is left working).</summary>
    public DeviceHost Devices { get; }

    public static async Task<EmbeddedSilo> StartAsync(ClusterServices services, ILoggerFactory logs, CancellationToken cancellationToken)
    {
        // Grain turns run on the thread pool, which starts with one thread per core; a model loading on one thread
        // and the engine's own threads must not leave the scheduler waiting for the pool to grow (on a loaded 2-core
        // machine that took longer than Orleans' 30 s response timeout).
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, MinPoolThreads), io);
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.AddProvider(new ForwardingLoggerProvider(logs));
        builder.Logging.AddFilter("Orleans", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Logging.AddFilter("Polly", LogLevel.Warning); // Orleans' placement retries log every attempt
        // Its first check after start compares with a zero time and warns of "13 hours" of contention: noise.
        builder.Logging.AddFilter("Orleans.Runtime.Watchdog", LogLevel.Error);
        // "Task ... took elapsed time ... longer than 00:00:00.2": a slow turn on a loaded machine, nothing a user of
        // one in-process silo can act on, and printed above the run's summary line.
        builder.Logging.AddFilter("Orleans.Runtime.Scheduler", LogLevel.Error);
        // A call cancelled while the silo stops (a refused or finished run) is sent to the silo's generation-0 address,
        // which Orleans then warns of and fails to deliver: harmless in one process, printed above the run's own message.
        builder.Logging.AddFilter("Orleans.Runtime.GrainCallCancellationManager", LogLevel.None);
        builder.Logging.AddFilter("Orleans.Runtime.Messaging.MessageCenter", LogLevel.Error);
        builder.Logging.AddFilter("Orleans.Runtime.SiloLifecycleSubject", LogLevel.Error); // "stage took N ms" while a loaded machine stops it
        // Stopping the silo cancels the work stream's pulling agent mid-read, which Orleans logs as two errors
        // ("Exception thrown in MemoryAdapterFactory.GetQueueMessagesAsync ... OperationCanceledException") above the
        // run's own message (a refused input, the summary). While it runs, they are warnings and errors worth showing.
        var stopping = new StopSignal();
        foreach (var category in (string[])["Orleans.Streams", "Orleans.Providers"])
            builder.Logging.AddFilter(category, level => level >= LogLevel.Warning && !stopping.Raised);
        builder.UseOrleans(silo =>
        {
            var id = $"embedded-{Environment.ProcessId}";
            silo.UseLocalhostClustering(siloPort: FreeLoopbackPort(), gatewayPort: 0, serviceId: id, clusterId: id);
            silo.Configure<SiloOptions>(o => o.SiloName = services.SiloName);
            silo.AddEmbeddingCluster(services);
        });
        var host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            host.Dispose();
            throw;
        }
        return new EmbeddedSilo(host, stopping);
    }

    /// <summary>A port the OS says is free now (the silo binds it a moment later; another process taking it meanwhile fails the start loudly).</summary>
    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Stops the silo: its workers release the shards they hold (a resumed run finds them pending).</summary>
    public async ValueTask DisposeAsync()
    {
        _stopping.Raised = true;
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            try
            {
                await _host.StopAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Shards still held are released by the next run (it owns the state folder's lock).
            }
        }
        _host.Dispose();
    }

    /// <summary>Set when the silo starts to stop; the log filters read it on every message.</summary>
    private sealed class StopSignal
    {
        public volatile bool Raised;
    }

    /// <summary>Hands the host's loggers to the caller's factory, so the silo logs where the command logs.</summary>
    private sealed class ForwardingLoggerProvider(ILoggerFactory logs) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => logs.CreateLogger(categoryName);

        public void Dispose()
        {
        }
    }
}
