using System.Net;
using System.Net.Sockets;
using Clustering.Tests.Shared;
using Npgsql;

namespace Clustering.Coordination.Tests;

/// <summary>
/// The throwaway PostgreSQL itself: a port taken before the server binds it is replaced, and the server and its
/// folder go away with their owner even when the owner dies without disposing them. What runs is read from /proc.
/// </summary>
public sealed class TemporaryPostgresTests : INeedsPostgres
{
    private static readonly TimeSpan ReaperGrace = TimeSpan.FromSeconds(60); // pg_ctl stop on a loaded 2-core box

    [StoreFact]
    public async Task A_port_taken_before_the_server_binds_it_is_replaced_by_another()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var taken = ((IPEndPoint)squatter.LocalEndpoint).Port;

        using var server = TemporaryPostgres.Start(port: taken);

        Assert.NotEqual(taken, server.Port);
        await using var c = new NpgsqlConnection($"Host=127.0.0.1;Port={server.Port};Username=postgres;Database=postgres;Pooling=false");
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT 6 * 7", c);
        Assert.Equal(42, await cmd.ExecuteScalarAsync());
    }

    [StoreFact]
    public async Task The_server_stops_and_its_folder_goes_when_its_owner_dies_without_disposing_it()
    {
        using var owner = ProcessTable.StartOwner();
        var server = TemporaryPostgres.Start(ownerPid: owner.Id); // never disposed: the owner "dies" first
        var postmaster = server.ServerProcessId;
        Assert.NotNull(postmaster);
        Assert.Contains(postmaster.Value, ProcessTable.Naming(server.Root));

        owner.Kill();

        Assert.Empty(await ProcessTable.WaitUntilNoneNamingAsync(server.Root, ReaperGrace));
        var until = DateTime.UtcNow + ReaperGrace;
        while (Directory.Exists(server.Root) && DateTime.UtcNow < until) await Task.Delay(100);
        Assert.False(Directory.Exists(server.Root), $"{server.Root} is still there");
    }

    [StoreFact]
    public async Task Dispose_stops_the_server_and_deletes_its_folder()
    {
        var server = TemporaryPostgres.Start();
        Assert.NotEmpty(ProcessTable.Naming(server.Root));
        server.Dispose();
        Assert.Empty(await ProcessTable.WaitUntilNoneNamingAsync(server.Root, TimeSpan.FromSeconds(10)));
        Assert.False(Directory.Exists(server.Root));
    }
}
