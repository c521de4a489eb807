using System.Text;
using Clustering.Storage.Azure;
using Clustering.Storage.Tests.Support;

namespace Clustering.Storage.Tests;

/// <summary>
/// The behaviour every <see cref="IBlobStore"/> owes its callers, run against each implementation: a local folder and
/// a real Azurite container. A store that passes here can stand in for the other.
/// </summary>
public abstract class BlobStoreContract
{
    protected abstract Task<IBlobStore> NewStoreAsync();

    private static MemoryStream Bytes(string text) => new(Encoding.UTF8.GetBytes(text));

    private static async Task<string> ReadAllAsync(IBlobStore store, string key, long offset = 0, long? length = null)
    {
        await using var stream = await store.OpenReadAsync(key, offset, length);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return await reader.ReadToEndAsync();
    }

    [Fact]
    public async Task Write_then_read_whole_ranges_and_properties()
    {
        var store = await NewStoreAsync();
        var written = await store.WriteAsync("docs/a b/ünï.txt", Bytes("0123456789abcdef"));
        Assert.Equal(16, written.Length);
        Assert.Equal("docs/a b/ünï.txt", written.Key);

        Assert.Equal("0123456789abcdef", await ReadAllAsync(store, "docs/a b/ünï.txt"));
        Assert.Equal("456", await ReadAllAsync(store, "docs/a b/ünï.txt", 4, 3));
        Assert.Equal("cdef", await ReadAllAsync(store, "docs/a b/ünï.txt", 12));
        Assert.Equal("ef", await ReadAllAsync(store, "docs/a b/ünï.txt", 14, 100)); // a range past the end stops at the end
        Assert.Equal("", await ReadAllAsync(store, "docs/a b/ünï.txt", 16));      // offset == length: empty
        Assert.Equal("", await ReadAllAsync(store, "docs/a b/ünï.txt", 3, 0));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.OpenReadAsync("docs/a b/ünï.txt", 17));

        var properties = await store.GetPropertiesAsync("docs/a b/ünï.txt");
        Assert.NotNull(properties);
        Assert.Equal(16, properties.Length);
        Assert.Equal(written.ETag, properties.ETag);
        Assert.True(Math.Abs((properties.LastModified - DateTimeOffset.UtcNow).TotalMinutes) < 5);
    }

    [Fact]
    public async Task Empty_object_round_trips()
    {
        var store = await NewStoreAsync();
        var item = await store.WriteAsync("_SUCCESS", new MemoryStream());
        Assert.Equal(0, item.Length);
        Assert.Equal("", await ReadAllAsync(store, "_SUCCESS"));
        Assert.Equal(0, (await store.GetPropertiesAsync("_SUCCESS"))!.Length);
    }

    [Fact]
    public async Task Missing_objects_have_no_properties_and_cannot_be_read()
    {
        var store = await NewStoreAsync();
        Assert.Null(await store.GetPropertiesAsync("nothing/here"));
        var e = await Assert.ThrowsAsync<BlobNotFoundException>(() => store.OpenReadAsync("nothing/here"));
        Assert.Contains("'nothing/here'", e.Message);
        Assert.Contains(store.DisplayName, e.Message);
        Assert.False(await store.DeleteAsync("nothing/here"));
    }

    [Fact]
    public async Task List_returns_every_key_under_the_prefix_in_key_order()
    {
        var store = await NewStoreAsync();
        string[] keys = ["in/b.txt", "in/a.txt", "in/sub/c.txt", "in2/x.txt", "out/y.txt", "in/a.txt.bak"];
        foreach (var key in keys) await store.WriteAsync(key, Bytes(key));

        var listed = await store.ListAsync("in/").ToListAsync();
        Assert.Equal(["in/a.txt", "in/a.txt.bak", "in/b.txt", "in/sub/c.txt"], listed.Select(i => i.Key));
        Assert.Equal("in/sub/c.txt".Length, listed[3].Length);
        Assert.Equal(["in/a.txt", "in/a.txt.bak", "in/b.txt", "in/sub/c.txt", "in2/x.txt"], (await store.ListAsync("in").ToListAsync()).Select(i => i.Key));
        Assert.Equal(6, (await store.ListAsync("").ToListAsync()).Count);
        Assert.Empty(await store.ListAsync("none/").ToListAsync());

        var direct = await store.GetPropertiesAsync("in/b.txt");
        Assert.Equal(direct!.ETag, listed[2].ETag);
    }

    [Fact]
    public async Task Create_only_writes_once()
    {
        var store = await NewStoreAsync();
        await store.WriteAsync("job/_manifest.json", Bytes("first"), WriteCondition.CreateOnly);
        var e = await Assert.ThrowsAsync<BlobConditionFailedException>(() =>
            store.WriteAsync("job/_manifest.json", Bytes("second"), WriteCondition.CreateOnly));
        Assert.Equal("job/_manifest.json", e.Key);
        Assert.Contains("already exists", e.Message);
        Assert.Equal("first", await ReadAllAsync(store, "job/_manifest.json"));
    }

    [Fact]
    public async Task If_match_accepts_the_current_etag_and_refuses_a_stale_one()
    {
        var store = await NewStoreAsync();
        var v1 = await store.WriteAsync("state.json", Bytes("v1"));
        await Task.Delay(20); // a new version must be able to differ in modification time, for the local store's ETag
        var v2 = await store.WriteAsync("state.json", Bytes("v2 longer"), WriteCondition.IfMatch(v1.ETag));
        Assert.NotEqual(v1.ETag, v2.ETag);

        var e = await Assert.ThrowsAsync<BlobConditionFailedException>(() =>
            store.WriteAsync("state.json", Bytes("v3"), WriteCondition.IfMatch(v1.ETag)));
        Assert.Contains(v1.ETag, e.Message);
        Assert.Equal("v2 longer", await ReadAllAsync(store, "state.json"));

        await Assert.ThrowsAsync<BlobConditionFailedException>(() =>
            store.WriteAsync("absent.json", Bytes("x"), WriteCondition.IfMatch(v1.ETag)));
        Assert.Null(await store.GetPropertiesAsync("absent.json"));
    }

    [Fact]
    public async Task Overwrite_replaces_and_delete_removes()
    {
        var store = await NewStoreAsync();
        await store.WriteAsync("k", Bytes("one"));
        await store.WriteAsync("k", Bytes("two!"));
        Assert.Equal("two!", await ReadAllAsync(store, "k"));
        Assert.True(await store.DeleteAsync("k"));
        Assert.False(await store.DeleteAsync("k"));
        Assert.Null(await store.GetPropertiesAsync("k"));
        Assert.Empty(await store.ListAsync("").ToListAsync());
    }

    [Theory]
    [InlineData("../x")]
    [InlineData("a/../../x")]
    [InlineData("/etc/passwd")]
    [InlineData("a//b")]
    [InlineData("./a")]
    [InlineData("a\\b")]
    [InlineData("")]
    public async Task Keys_that_could_leave_the_root_are_refused(string key)
    {
        var store = await NewStoreAsync();
        var write = await Assert.ThrowsAsync<ClusteringException>(() => store.WriteAsync(key, Bytes("x")));
        Assert.Contains(store.DisplayName, write.Message);
        await Assert.ThrowsAsync<ClusteringException>(() => store.OpenReadAsync(key));
        await Assert.ThrowsAsync<ClusteringException>(() => store.GetPropertiesAsync(key));
        await Assert.ThrowsAsync<ClusteringException>(() => store.DeleteAsync(key));
    }

    [Theory]
    [InlineData("../")]
    [InlineData("../sibling")]
    [InlineData("/")]
    [InlineData("a/../")]
    public async Task Prefixes_that_could_leave_the_root_are_refused(string prefix)
    {
        var store = await NewStoreAsync();
        var e = await Assert.ThrowsAsync<ClusteringException>(async () => await store.ListAsync(prefix).ToListAsync());
        Assert.Contains(prefix, e.Message);
    }
}

public sealed class LocalBlobStoreContractTests : BlobStoreContract, IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("localstore-");

    protected override Task<IBlobStore> NewStoreAsync() =>
        Task.FromResult<IBlobStore>(new LocalBlobStore(Path.Combine(_root.FullName, Guid.NewGuid().ToString("N"), "root")));

    public void Dispose() => _root.Delete(recursive: true);
}

[Collection("Azurite")]
public sealed class AzureBlobStoreContractTests(AzuriteFixture azurite) : BlobStoreContract
{
    protected override async Task<IBlobStore> NewStoreAsync() => await azurite.NewContainerAsync(stem: "contract");
}
