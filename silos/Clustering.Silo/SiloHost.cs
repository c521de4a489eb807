using Clustering.Coordination;
using Clustering.Silo.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Dashboard;

namespace Clustering.Silo;

/// <summary>Builds and runs the silo: configuration, checks before listening, the store, the API, the cluster services.</summary>
public static class SiloHost
{
    public static async Task<int> RunAsync(string[] args)
    {
        WebApplicationBuilder builder;
        try
        {
            // The builder reads appsettings.json (from the current folder) as it is made.
            builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        }
        catch (InvalidDataException e)
        {
            throw SiloConfiguration.SettingsRefusal(e);
        }
        builder.Configuration.Sources.Clear();
        SiloConfiguration.AddSources(builder.Configuration, builder.Environment.ContentRootPath, args);

        var options = new SiloOptions();
        try
        {
            builder.Configuration.Bind(options);
        }
        catch (InvalidOperationException e)
        {
            // "Failed to convert configuration value 'abc' at 'Threads' to type 'System.Int32'." in words.
            var m = System.Text.RegularExpressions.Regex.Match(e.Message, @"value '(?<value>.*)' at '(?<key>[^']*)' to type '(?<type>[^']*)'");
            throw new ClusteringException(m.Success
                ? $"configuration: {m.Groups["key"].Value}: '{m.Groups["value"].Value}' is not {JsonErrorText.Expected(m.Groups["type"].Value)}"
                : "configuration: " + e.Message);
        }
        options.Validate();
        var listen = ListenAddresses.Parse(options.Listen);
        listen.RequireTokenUnlessLoopback(options.Token);
        SiloCluster.WorkerDevices(options); // refuse unknown devices before anything starts

        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; });
        builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging"));
        if (!builder.Configuration.GetSection("Logging").Exists())
            builder.Logging.AddFilter("Microsoft", LogLevel.Warning).AddFilter("System.Net.Http", LogLevel.Warning);

        builder.WebHost.UseUrls([.. listen.Urls.Select(u => u.GetLeftPart(UriPartial.Authority))]);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = ApiInput.MaxSpecBytes;
            k.Limits.MaxRequestHeadersTotalSize = 16 * 1024;
            k.Limits.MaxRequestLineSize = 4 * 1024;
        });
        // Graceful stop: workers finish or release their shards, the silo leaves the cluster.
        builder.Services.Configure<HostOptions>(h => h.ShutdownTimeout = options.StopTimeout);

        using var startup = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { if (!startup.IsCancellationRequested) { e.Cancel = true; startup.Cancel(); } };
        var bootLog = LoggerFactory.Create(l => l.AddSimpleConsole(o => o.SingleLine = true)).CreateLogger("embed-silo");
        IClusterStore store;
        try
        {
            store = await SiloCluster.OpenStoreAsync(options, bootLog, startup.Token);
        }
        catch (OperationCanceledException)
        {
            return 130;
        }

        var metrics = new SiloMetrics(options.ResolvedName);
        // Listening before the silo starts: counters count from its first message.
        using var orleansMeters = new OrleansMeters();
        IServiceProvider? services = null; // the grain factory exists once the host is built
        using var cluster = new SiloCluster(store, options, metrics, LoggerFactory.Create(l => l.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; })),
            () => services!.GetRequiredService<IGrainFactory>());
        builder.UseOrleans(silo => SiloOrleans.Configure(silo, options, cluster, listen));
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(store);
        builder.Services.AddSingleton(metrics);
        builder.Services.AddSingleton(orleansMeters);
        builder.Services.AddSingleton(new JobPathPolicy(options.AllowedRoots));
        builder.Services.AddSingleton(cluster);
        // Checked again by every local store and model loader of this process when a file is opened (links included).
        LocalPaths.ConfineTo(options.AllowedRoots);
        var servingLimits = new ServingLimits();
        builder.Services.AddSingleton(new ServingMetrics());
        builder.Services.AddSingleton(sp => new SiloOnlineModels(cluster, options, servingLimits, sp.GetRequiredService<ServingMetrics>(),
            sp.GetRequiredService<ILogger<SiloOnlineModels>>()));
        // What other silos' requests reach through this silo's model server grain; the API routes through the cluster.
        builder.Services.AddSingleton<Clustering.Cluster.IOnlineServing>(sp => sp.GetRequiredService<SiloOnlineModels>());
        builder.Services.AddSingleton(sp => new ClusterOnlineModels(sp.GetRequiredService<SiloOnlineModels>(),
            sp.GetRequiredService<Clustering.Cluster.OnlineRouter>(), sp.GetRequiredService<ServingMetrics>()));

        await using var app = builder.Build();
        services = app.Services;
        app.UseMiddleware<BearerTokenAuthentication>();
        app.MapJobs();
        app.MapSchedules();
        app.MapStreams();
        app.MapEvents();
        app.MapCluster();
        app.MapEmbeddingsApi(app.Services.GetRequiredService<ClusterOnlineModels>(), servingLimits, app.Services.GetRequiredService<ServingMetrics>());
        // Behind the token middleware above like every path but /healthz (the dashboard itself has no authentication).
        if (options.Dashboard) app.MapOrleansDashboard(SiloOptions.DashboardPath);

        try
        {
            await app.StartAsync();
        }
        catch (IOException e)
        {
            throw new ClusteringException($"--listen {options.Listen}: {e.Message}");
        }
        catch (Orleans.Runtime.OrleansException e)
        {
            throw new ClusteringException($"joining the cluster (silo port {options.SiloPort}, gateway port {options.GatewayPort}): {e.Message}");
        }
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var log = app.Services.GetRequiredService<ILogger<SiloCluster>>();
        log.LogInformation("silo {Silo} serving on {Addresses} (store {Store}, devices {Devices}, silo port {SiloPort}, auth {Auth})",
            options.ResolvedName, string.Join(' ', addresses), store.DisplayName, options.Devices, options.SiloPort,
            string.IsNullOrEmpty(options.Token) ? "off (loopback only)" : "bearer token");
        // A machine-readable line for scripts and tests that listen on port 0.
        foreach (var a in addresses) Console.Out.WriteLine("listening " + a);
        await app.WaitForShutdownAsync();
        await store.DisposeAsync();
        return 0;
    }
}
