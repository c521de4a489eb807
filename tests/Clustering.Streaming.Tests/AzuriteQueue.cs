using Clustering.Tests.Shared;

namespace Clustering.Streaming.Tests;

/// <summary>
/// A real Azurite queue service on a free loopback port with its own data folder, stopped with the test; a test can
/// also stop it (SIGTERM, so it saves its queues) and start it again on the same port and folder: an Azure Storage
/// queue that is down for a while and then back with what it held. <see cref="AzuriteServer"/> runs the process.
/// </summary>
internal sealed class AzuriteQueue : IAsyncDisposable
{
    private const string DevKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private readonly AzuriteServer _server = new("queue");

    public int Port => _server.Port;

    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={DevKey};QueueEndpoint=http://127.0.0.1:{Port}/devstoreaccount1;";

    public static async Task<AzuriteQueue> StartAsync()
    {
        var azurite = new AzuriteQueue();
        try
        {
            await azurite._server.StartAsync();
            return azurite;
        }
        catch
        {
            await azurite.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops the service (connections are refused until <see cref="StartAgainAsync"/>).</summary>
    public Task StopAsync() => _server.StopAsync();

    public Task StartAgainAsync() => _server.StartAsync();

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
