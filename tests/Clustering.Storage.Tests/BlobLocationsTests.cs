using Clustering.Storage.Azure;

namespace Clustering.Storage.Tests;

public sealed class BlobLocationsTests : IDisposable
{
    private const string Key = "c2VjcmV0LWtleS1mb3ItdGVzdHMtb25seS0wMTIzNDU2Nzg5YWJjZGVm";
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("locations-");

    public void Dispose() => _dir.Delete(recursive: true);

    private static StorageOptions NoEnvironment(string? connectionString = null) =>
        new() { ConnectionString = connectionString, EnvironmentVariable = _ => null };

    [Fact]
    public void Az_URIs_name_container_and_key_and_take_the_account_from_configuration()
    {
        var (store, key) = BlobLocations.Open("az://corpus/2026/11/part-1.jsonl", NoEnvironment($"AccountName=acme;AccountKey={Key}"));
        var azure = Assert.IsType<AzureBlobStore>(store);
        Assert.Equal("corpus", azure.Container);
        Assert.Equal("2026/11/part-1.jsonl", key);
        Assert.Equal("https://acme.blob.core.windows.net/corpus", store.DisplayName);
        Assert.Equal("", BlobLocations.Open("az://corpus", NoEnvironment("UseDevelopmentStorage=true")).KeyOrPrefix);
        Assert.Equal("out/", BlobLocations.Open("az://corpus/out/", NoEnvironment("UseDevelopmentStorage=true")).KeyOrPrefix);
    }

    [Fact]
    public void Az_URIs_without_configuration_say_what_to_set()
    {
        var e = Assert.Throws<ClusteringException>(() => BlobLocations.Open("az://corpus/x", NoEnvironment()));
        Assert.Equal("az://corpus/x: no Azure Storage account is configured; set AZURE_STORAGE_CONNECTION_STRING " +
                     "(or AZURE_STORAGE_ACCOUNT, with AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN or an Entra ID identity)", e.Message);
    }

    [Fact]
    public void Public_endpoint_URLs_carry_their_account_and_SAS()
    {
        const string sig = "Zm9yZ2VkLXNpZ25hdHVyZQ%3D%3D";
        var (store, key) = BlobLocations.Open($"https://acme.blob.core.windows.net/vectors/job%201/part-0.parquet?sv=2021-12-02&sp=r&sig={sig}", NoEnvironment());
        var azure = Assert.IsType<AzureBlobStore>(store);
        Assert.Equal("acme", azure.Account.Name);
        Assert.IsType<SasCredential>(azure.Account.Credential);
        Assert.Equal("vectors", azure.Container);
        Assert.Equal("job 1/part-0.parquet", key);
        Assert.Equal("https://acme.blob.core.windows.net/vectors", store.DisplayName);
        Assert.DoesNotContain("Zm9yZ2Vk", store.ToString());

        // Without a SAS, a configured key for the same account is used; for another account, an Entra ID token.
        var keyed = (AzureBlobStore)BlobLocations.Open("https://acme.blob.core.windows.net/vectors/x", NoEnvironment($"AccountName=acme;AccountKey={Key}")).Store;
        Assert.IsType<SharedKeyCredential>(keyed.Account.Credential);
        var other = (AzureBlobStore)BlobLocations.Open("https://public.blob.core.windows.net/data/x", NoEnvironment($"AccountName=acme;AccountKey={Key}")).Store;
        Assert.IsType<TokenAuthCredential>(other.Account.Credential);
    }

    [Fact]
    public void Path_style_emulator_URLs_put_the_account_in_the_path()
    {
        var (store, key) = BlobLocations.Open("http://127.0.0.1:10123/devstoreaccount1/corpus/in/", NoEnvironment());
        var azure = Assert.IsType<AzureBlobStore>(store);
        Assert.Equal("devstoreaccount1", azure.Account.Name);
        Assert.Equal("http://127.0.0.1:10123/devstoreaccount1", azure.Account.BlobEndpoint.ToString());
        Assert.IsType<SharedKeyCredential>(azure.Account.Credential); // the emulator's well-known key
        Assert.Equal("corpus", azure.Container);
        Assert.Equal("in/", key);
        Assert.Equal("http://127.0.0.1:10123/devstoreaccount1/corpus", store.DisplayName);
    }

    [Fact]
    public void Plain_paths_and_file_URIs_open_local_stores()
    {
        var file = Path.Combine(_dir.FullName, "corpus.jsonl");
        File.WriteAllText(file, "{}");
        var (store, key) = BlobLocations.Open(file);
        Assert.Equal(_dir.FullName, Assert.IsType<LocalBlobStore>(store).Root);
        Assert.Equal("corpus.jsonl", key);

        var (dirStore, prefix) = BlobLocations.Open(_dir.FullName);
        Assert.Equal(_dir.FullName, ((LocalBlobStore)dirStore).Root);
        Assert.Equal("", prefix);

        var (uriStore, uriKey) = BlobLocations.Open(new Uri(file).AbsoluteUri);
        Assert.Equal(_dir.FullName, ((LocalBlobStore)uriStore).Root);
        Assert.Equal("corpus.jsonl", uriKey);

        var output = Path.Combine(_dir.FullName, "out") + "/";
        Assert.Equal(Path.Combine(_dir.FullName, "out"), ((LocalBlobStore)BlobLocations.Open(output).Store).Root);

        Assert.Throws<ClusteringException>(() => BlobLocations.Open("file://otherhost/share/x"));
    }

    [Theory]
    [InlineData("az://Bad_Container/x", "'Bad_Container' is not a valid container name")]
    [InlineData("az:///x", "names no container")]
    [InlineData("az://corpus/../x", "'..' segment")]
    [InlineData("http://127.0.0.1:10000/", "a path-style URL names the account first")]
    public void Bad_locations_are_refused_by_name(string location, string expected)
    {
        var e = Assert.ThrowsAny<ClusteringException>(() => BlobLocations.Open(location, NoEnvironment("UseDevelopmentStorage=true")));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void A_bad_location_with_a_SAS_is_quoted_without_its_signature()
    {
        var e = Assert.ThrowsAny<ClusteringException>(() =>
            BlobLocations.Open("https://acme.blob.core.windows.net/?sv=1&sig=TOPSECRETSIG", NoEnvironment()));
        Assert.DoesNotContain("TOPSECRETSIG", e.Message);
        Assert.Contains("sig=REDACTED", e.Message);
    }
}
