using System.Text;
using Clustering.Storage.Tests.Support;

namespace Clustering.Storage.Tests;

/// <summary>
/// A folder of another store as a store (a job's output under <c>az://container/jobs/run-1/</c>): the whole contract
/// holds through the prefix, over a local folder and over Azurite, with neighbours beside the prefix that it must
/// neither list nor touch.
/// </summary>
public static class PrefixedStores
{
    public const string Prefix = "jobs/run-1/";

    /// <summary>Objects beside the prefix: a sibling whose name starts the same, a sibling file, one at the top.</summary>
    public static readonly string[] Neighbours = ["jobs/run-10/part-00000-a1.parquet", "jobs/run-1.txt", "_manifest.json"];

    public static async Task<IBlobStore> OverAsync(IBlobStore inner)
    {
        foreach (var key in Neighbours) await inner.WriteAsync(key, new MemoryStream(Encoding.UTF8.GetBytes(key)));
        return new PrefixedBlobStore(inner, Prefix);
    }

    public static async Task AssertNeighboursUntouchedAsync(IBlobStore inner)
    {
        foreach (var key in Neighbours)
        {
            await using var stream = await inner.OpenReadAsync(key);
            Assert.Equal(key, await new StreamReader(stream).ReadToEndAsync());
        }
    }
}

public sealed class PrefixedLocalBlobStoreContractTests : BlobStoreContract, IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("prefixedstore-");

    protected override Task<IBlobStore> NewStoreAsync() =>
        PrefixedStores.OverAsync(new LocalBlobStore(Path.Combine(_root.FullName, Guid.NewGuid().ToString("N"))));

    public void Dispose() => _root.Delete(recursive: true);
}

[Collection("Azurite")]
public sealed class PrefixedAzureBlobStoreContractTests(AzuriteFixture azurite) : BlobStoreContract
{
    protected override async Task<IBlobStore> NewStoreAsync() => await PrefixedStores.OverAsync(await azurite.NewContainerAsync(stem: "prefixed"));
}

[Collection("Azurite")]
public sealed class PrefixedBlobStoreTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Keys_are_relative_to_the_prefix_and_nothing_beside_it_is_listed_or_touched()
    {
        var container = await azurite.NewContainerAsync(stem: "beside");
        var store = await PrefixedStores.OverAsync(container);
        var written = await store.WriteAsync("part-00000-a1.parquet", new MemoryStream([1, 2, 3]));
        await store.WriteAsync("_SUCCESS", new MemoryStream(), WriteCondition.CreateOnly);

        Assert.Equal("part-00000-a1.parquet", written.Key);
        Assert.Equal(["_SUCCESS", "part-00000-a1.parquet"], await store.ListAsync("").Select(i => i.Key).ToListAsync());
        Assert.Equal(3, (await container.GetPropertiesAsync("jobs/run-1/part-00000-a1.parquet"))!.Length);
        Assert.Null(await store.GetPropertiesAsync("_manifest.json")); // the container's own, outside the prefix
        foreach (var item in await store.ListAsync("").ToListAsync()) await store.DeleteAsync(item.Key);
        await PrefixedStores.AssertNeighboursUntouchedAsync(container);
        Assert.Equal(container.DisplayName + "/jobs/run-1", store.DisplayName);
    }

    [Theory]
    [InlineData("")]
    [InlineData("jobs")]
    [InlineData("../jobs/")]
    [InlineData("jobs//x/")]
    public void A_prefix_must_be_a_folder_inside_the_store(string prefix)
    {
        Assert.ThrowsAny<Exception>(() => new PrefixedBlobStore(new LocalBlobStore(Path.GetTempPath()), prefix));
    }
}
