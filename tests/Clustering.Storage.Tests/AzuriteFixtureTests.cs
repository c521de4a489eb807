using System.Net;
using System.Net.Sockets;
using Clustering.Storage.Azure;
using Clustering.Storage.Tests.Support;
using Clustering.Tests.Shared;

namespace Clustering.Storage.Tests;

/// <summary>
/// The Azurite fixture itself: a failed start leaves nothing running, a port taken before Azurite binds it is replaced,
/// and Azurite goes away with its owner even when the owner dies without disposing it (a test host killed by a hang
/// timeout or kill -9). What is running is read from /proc, not from the fixture.
/// </summary>
public sealed class AzuriteFixtureTests
{
    private static readonly TimeSpan ReaperGrace = TimeSpan.FromSeconds(30); // the reaper polls once a second; the box is loaded

    [Fact]
    public async Task A_start_that_is_not_ready_in_time_stops_what_it_started()
    {
        await using var azurite = new AzuriteProcess();
        var e = await Assert.ThrowsAsync<TimeoutException>(() => azurite.StartAsync(readyWithin: TimeSpan.FromMilliseconds(1)));
        Assert.Contains($"Azurite did not listen on port {azurite.Port} within 0.001 s", e.Message);
        Assert.Empty(ProcessTable.Naming(azurite.Location)); // killed at once, not at dispose
    }

    [Fact]
    public async Task A_port_taken_before_Azurite_binds_it_is_replaced_by_another()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var taken = ((IPEndPoint)squatter.LocalEndpoint).Port;

        await using var azurite = new AzuriteProcess(port: taken);
        await azurite.StartAsync();

        Assert.NotEqual(taken, azurite.Port);
        var store = new AzureBlobStore(azurite.Account, "moved");
        Assert.True(await store.CreateContainerIfNotExistsAsync());
        Assert.Single(ProcessTable.Naming(azurite.Location));
    }

    [Fact]
    public async Task Azurite_stops_and_its_folder_goes_when_its_owner_dies_without_disposing_it()
    {
        using var owner = ProcessTable.StartOwner();
        var azurite = new AzuriteProcess(ownerPid: owner.Id); // never disposed: the owner "dies" first
        await azurite.StartAsync();
        var pid = Assert.Single(ProcessTable.Naming(azurite.Location));
        Assert.Equal(azurite.ProcessId, pid);

        owner.Kill();

        Assert.Empty(await ProcessTable.WaitUntilNoneNamingAsync(azurite.Location, ReaperGrace));
        var until = DateTime.UtcNow + ReaperGrace;
        while (Directory.Exists(azurite.Location) && DateTime.UtcNow < until) await Task.Delay(100);
        Assert.False(Directory.Exists(azurite.Location), $"{azurite.Location} is still there");
    }

    [Fact]
    public async Task Dispose_stops_Azurite_and_ends_the_reaper()
    {
        var azurite = await AzuriteProcess.StartNewAsync();
        var location = azurite.Location;
        Assert.Single(ProcessTable.Naming(location));
        await azurite.DisposeAsync();
        Assert.Empty(await ProcessTable.WaitUntilNoneNamingAsync(location, TimeSpan.FromSeconds(10)));
        Assert.False(Directory.Exists(location));
    }
}
