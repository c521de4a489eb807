using System.Text;

namespace Clustering.Storage.Tests;

public sealed class LocalBlobStoreTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("local-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public async Task A_key_escaping_the_root_neither_writes_nor_reads_outside_it()
    {
        var root = Path.Combine(_dir.FullName, "root");
        var store = new LocalBlobStore(root);
        await File.WriteAllTextAsync(Path.Combine(_dir.FullName, "secret.txt"), "outside");

        var e = await Assert.ThrowsAsync<ClusteringException>(() => store.WriteAsync("../escaped.txt", new MemoryStream(Encoding.UTF8.GetBytes("x"))));
        Assert.Equal($"{root}: invalid object key '../escaped.txt' (empty, '.' or '..' segment)", e.Message);
        Assert.False(File.Exists(Path.Combine(_dir.FullName, "escaped.txt")));

        await Assert.ThrowsAsync<ClusteringException>(() => store.OpenReadAsync("../secret.txt"));
        var absolute = await Assert.ThrowsAsync<ClusteringException>(() => store.OpenReadAsync(Path.Combine(_dir.FullName, "secret.txt")));
        Assert.Contains("(absolute path)", absolute.Message);
        Assert.Empty(await store.ListAsync("").ToListAsync());
        await Assert.ThrowsAsync<ClusteringException>(async () => await store.ListAsync("../").ToListAsync());
    }

    [Fact]
    public async Task A_key_with_a_control_character_is_refused_and_shown_printably()
    {
        var store = new LocalBlobStore(_dir.FullName);
        var e = await Assert.ThrowsAsync<ClusteringException>(() => store.GetPropertiesAsync("a\nb\0"));
        Assert.Contains("'a\\u000ab\\u0000'", e.Message);
    }

    [Fact]
    public async Task A_key_longer_than_1024_characters_is_refused()
    {
        var store = new LocalBlobStore(_dir.FullName);
        var e = await Assert.ThrowsAsync<ClusteringException>(() => store.GetPropertiesAsync(new string('k', 1025)));
        Assert.Contains("1025 characters is longer than 1024", e.Message);
    }
}
