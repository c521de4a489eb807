using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Clustering.Serving;

/// <summary>
/// The standalone server of <c>embedctl serve</c>: Kestrel on the listen addresses (loopback unless told; a token
/// beyond), the token rule, the embeddings API over the given models, /healthz and /metrics. Prints
/// <c>listening URL</c> once it accepts connections (scripts and tests read it) and runs until stopped.
/// </summary>
public static class ServeHost
{
    public static async Task RunAsync(ServeOptions options, IReadOnlyList<LocalOnlineModel> models, ServingMetrics metrics, TextWriter output,
        CancellationToken stopping)
    {
        options.Limits.Validate();
        var listen = ListenAddresses.Parse(options.Listen);
        listen.RequireTokenUnlessLoopback(options.Token);

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; });
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.WebHost.UseUrls([.. listen.Urls.Select(u => u.GetLeftPart(UriPartial.Authority))]);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = options.Limits.MaxRequestBytes + 1;
            k.Limits.MaxRequestHeadersTotalSize = 16 * 1024;
            k.Limits.MaxRequestLineSize = 4 * 1024;
        });
        builder.Services.AddSingleton(new BearerToken(options.Token));

        var served = new FixedOnlineModels(models);
        await using var app = builder.Build();
        app.UseMiddleware<EmbeddingsAuthentication>();
        app.MapGet("/healthz", () => Results.Text("ok\n"));
        app.MapGet("/metrics", () =>
        {
            var text = new StringBuilder();
            metrics.Render(text, served);
            return Results.Text(text.ToString(), "text/plain; version=0.0.4");
        });
        app.MapEmbeddingsApi(served, options.Limits, metrics);
        try
        {
            await app.StartAsync(stopping).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            throw new ClusteringException($"--listen {options.Listen}: {e.Message}");
        }
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        foreach (var a in addresses) output.WriteLine("listening " + a);
        output.Flush();
        try
        {
            await Task.Delay(Timeout.Infinite, stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
    }
}
