using Clustering.Coordination.Tests;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;
using Orleans.Runtime;

namespace Clustering.Cluster.Tests;

/// <summary>Orleans reminders on our PostgreSQL table, against a real PostgreSQL: the table contract the reminder service relies on.</summary>
public sealed class PostgresReminderTableTests : IAsyncLifetime
{
    private TemporaryPostgres? _server;
    private NpgsqlDataSource? _database;

    public async Task InitializeAsync()
    {
        _server = TemporaryPostgres.Start();
        var name = await _server.CreateDatabaseAsync("reminders");
        _database = NpgsqlDataSource.Create($"Host=127.0.0.1;Port={_server.Port};Username=postgres;Database={name}");
    }

    public async Task DisposeAsync()
    {
        if (_database is not null) await _database.DisposeAsync();
        _server?.Dispose();
    }

    private async Task<PostgresReminderTable> TableAsync(string serviceId)
    {
        var table = new PostgresReminderTable(_database!, Options.Create(new ClusterOptions { ClusterId = "c", ServiceId = serviceId }));
        await table.StartAsync();
        return table;
    }

    private static GrainId Schedule(string id) => GrainId.Create("schedule", id);

    private static ReminderEntry Entry(GrainId grain, string name, int minutes) => new()
    {
        GrainId = grain,
        ReminderName = name,
        StartAt = new DateTime(2026, 12, 5, 6, 0, 0, DateTimeKind.Utc),
        Period = TimeSpan.FromMinutes(minutes),
    };

    [Fact]
    public async Task Upserts_move_the_etag_a_stale_removal_is_refused_and_services_do_not_see_each_other()
    {
        var table = await TableAsync("s1");
        await table.StartAsync(); // idempotent, as every silo does it at start
        var nightly = Schedule("nightly");

        Assert.Null(await table.ReadRow(nightly, "occurrence"));
        var first = (await table.UpsertRow(Entry(nightly, "occurrence", 60)))!;
        var read = (await table.ReadRow(nightly, "occurrence"))!;
        Assert.Equal((nightly, "occurrence", new DateTime(2026, 12, 5, 6, 0, 0, DateTimeKind.Utc), TimeSpan.FromMinutes(60), first),
            (read.GrainId, read.ReminderName, read.StartAt, read.Period, read.ETag));

        var moved = Entry(nightly, "occurrence", 1);
        moved.StartAt = new DateTime(2026, 12, 5, 7, 30, 0, DateTimeKind.Utc);
        var second = (await table.UpsertRow(moved))!;
        Assert.NotEqual(first, second);
        Assert.Equal(second, moved.ETag);
        read = (await table.ReadRow(nightly, "occurrence"))!;
        Assert.Equal((moved.StartAt, TimeSpan.FromMinutes(1), second), (read.StartAt, read.Period, read.ETag));

        await table.UpsertRow(Entry(nightly, "other", 5));
        await table.UpsertRow(Entry(Schedule("weekly"), "occurrence", 5));
        Assert.Equal(["occurrence", "other"], (await table.ReadRows(nightly)).Reminders.Select(r => r.ReminderName).Order());

        Assert.False(await table.RemoveRow(nightly, "occurrence", first)); // the etag before the last upsert
        Assert.False(await table.RemoveRow(nightly, "occurrence", "not-an-etag"));
        Assert.True(await table.RemoveRow(nightly, "occurrence", second));
        Assert.False(await table.RemoveRow(nightly, "occurrence", second)); // gone
        Assert.Equal(["other"], (await table.ReadRows(nightly)).Reminders.Select(r => r.ReminderName));

        var elsewhere = await TableAsync("s2");
        Assert.Empty((await elsewhere.ReadRows(nightly)).Reminders);
        Assert.Empty((await elsewhere.ReadRows(0u, 0u)).Reminders);
        await elsewhere.TestOnlyClearTable();
        Assert.Single((await table.ReadRows(nightly)).Reminders);
    }

    [Fact]
    public async Task A_ring_range_returns_the_grains_whose_hash_is_in_it_wrapping_past_the_top()
    {
        var table = await TableAsync("ring");
        var grains = Enumerable.Range(0, 40).Select(i => Schedule($"s{i}")).ToList();
        foreach (var g in grains) await table.UpsertRow(Entry(g, "occurrence", 1));
        var hashes = grains.Select(g => g.GetUniformHashCode()).Order().ToArray();
        // The oracle: Orleans' definition of a range, (begin, end], and (begin, max] ∪ [0, end] when begin >= end.
        IEnumerable<GrainId> Expected(uint begin, uint end) =>
            grains.Where(g => g.GetUniformHashCode() is var h && (begin < end ? h > begin && h <= end : h > begin || h <= end));

        (uint, uint)[] ranges =
        [
            (hashes[5], hashes[20]),          // ends on a grain: it is in; begins on one: it is out
            (hashes[20] - 1, hashes[20]),
            (hashes[30], hashes[3]),          // wraps around
            (uint.MaxValue, hashes[0]),
            (0, uint.MaxValue),
            (hashes[7], hashes[7]),           // the whole ring, as a silo alone owns it
        ];
        foreach (var (begin, end) in ranges)
        {
            var rows = (await table.ReadRows(begin, end)).Reminders.Select(r => r.GrainId.ToString()).Order(StringComparer.Ordinal);
            Assert.Equal(Expected(begin, end).Select(g => g.ToString()).Order(StringComparer.Ordinal), rows);
        }
        Assert.Equal(40, (await table.ReadRows(hashes[7], hashes[7])).Reminders.Count);
    }
}
