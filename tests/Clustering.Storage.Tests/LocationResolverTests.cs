using Clustering.Storage.Azure;

namespace Clustering.Storage.Tests;

/// <summary>
/// The one resolver from a location to a store: every form a user types (plain path, file://, az://, https with and
/// without SAS, the emulator's path style, a mount) gives the expected store, root and key, every root reopens the
/// same store, and refusals name the flag and the location without its signature.
/// </summary>
public sealed class LocationResolverTests : IDisposable
{
    private const string Key = "c2VjcmV0LWtleS1mb3ItdGVzdHMtb25seS0wMTIzNDU2Nzg5YWJjZGVm";
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("locations-");

    public void Dispose() => _dir.Delete(recursive: true);

    private static LocationResolver NoEnvironment(string? connectionString = null) =>
        new(new StorageOptions { ConnectionString = connectionString, EnvironmentVariable = _ => null });

    [Fact]
    public void Az_URIs_name_container_and_key_and_take_the_account_from_configuration()
    {
        var (store, root, key) = NoEnvironment($"AccountName=acme;AccountKey={Key}").Resolve("az://corpus/2026/11/part-1.jsonl");
        var azure = Assert.IsType<AzureBlobStore>(store);
        Assert.Equal("corpus", azure.Container);
        Assert.Equal("2026/11/part-1.jsonl", key);
        Assert.Equal("https://acme.blob.core.windows.net/corpus", store.DisplayName);
        Assert.Equal("https://acme.blob.core.windows.net/corpus/", root);
        Assert.Equal("", NoEnvironment("UseDevelopmentStorage=true").Resolve("az://corpus").Key);
        Assert.Equal("out/", NoEnvironment("UseDevelopmentStorage=true").Resolve("az://corpus/out/").Key);
    }

    [Fact]
    public void Az_URIs_without_configuration_say_what_to_set_naming_the_flag()
    {
        var e = Assert.Throws<ClusteringException>(() => NoEnvironment().Resolve("az://corpus/x"));
        Assert.Equal("az://corpus/x: no Azure Storage account is configured; set AZURE_STORAGE_CONNECTION_STRING " +
                     "(or AZURE_STORAGE_ACCOUNT, with AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN or an Entra ID identity)", e.Message);
        Assert.StartsWith("--input az://corpus/x: no Azure Storage account is configured;",
            Assert.Throws<ClusteringException>(() => NoEnvironment().Resolve("az://corpus/x", "--input")).Message);
    }

    [Fact]
    public void Public_endpoint_URLs_carry_their_account_and_SAS_and_the_root_keeps_the_SAS_that_reopens_the_store()
    {
        const string sig = "Zm9yZ2VkLXNpZ25hdHVyZQ%3D%3D";
        var (store, root, key) = NoEnvironment().Resolve($"https://acme.blob.core.windows.net/vectors/job%201/part-0.parquet?sv=2021-12-02&sp=r&sig={sig}");
        var azure = Assert.IsType<AzureBlobStore>(store);
        Assert.Equal("acme", azure.Account.Name);
        Assert.IsType<SasCredential>(azure.Account.Credential);
        Assert.Equal("vectors", azure.Container);
        Assert.Equal("job 1/part-0.parquet", key);
        Assert.Equal("https://acme.blob.core.windows.net/vectors", store.DisplayName);
        Assert.DoesNotContain("Zm9yZ2Vk", store.ToString());
        Assert.Equal($"https://acme.blob.core.windows.net/vectors/?sv=2021-12-02&sp=r&sig={sig}", root);
        var reopened = NoEnvironment().Resolve(root);
        Assert.IsType<SasCredential>(((AzureBlobStore)reopened.Store).Account.Credential);
        Assert.Equal((store.DisplayName, ""), (reopened.Store.DisplayName, reopened.Key));

        // Without a SAS, a configured key for the same account is used; for another account, an Entra ID token.
        var keyed = (AzureBlobStore)NoEnvironment($"AccountName=acme;AccountKey={Key}").Resolve("https://acme.blob.core.windows.net/vectors/x").Store;
        Assert.IsType<SharedKeyCredential>(keyed.Account.Credential);
        var other = (AzureBlobStore)NoEnvironment($"AccountName=acme;AccountKey={Key}").Resolve("https://public.blob.core.windows.net/data/x").Store;
        Assert.IsType<TokenAuthCredential>(other.Account.Credential);
    }

    [Fact]
    public void Path_style_emulator_URLs_put_the_account_in_the_path()
    {
        var (store, root, key) = NoEnvironment().Resolve("http://127.0.0.1:10123/devstoreaccount1/corpus/in/");
        var azure = Assert.IsType<AzureBlobStore>(store);
        Assert.Equal("devstoreaccount1", azure.Account.Name);
        Assert.Equal("http://127.0.0.1:10123/devstoreaccount1", azure.Account.BlobEndpoint.ToString());
        Assert.IsType<SharedKeyCredential>(azure.Account.Credential); // the emulator's well-known key
        Assert.Equal("corpus", azure.Container);
        Assert.Equal("in/", key);
        Assert.Equal("http://127.0.0.1:10123/devstoreaccount1/corpus", store.DisplayName);
        Assert.Equal("http://127.0.0.1:10123/devstoreaccount1/corpus/", root);
    }

    [Fact]
    public void Plain_paths_and_file_URIs_open_local_stores_whose_root_is_the_folder()
    {
        var file = Path.Combine(_dir.FullName, "corpus.jsonl");
        File.WriteAllText(file, "{}");
        var resolver = new LocationResolver();
        var (store, root, key) = resolver.Resolve(file);
        Assert.Equal(_dir.FullName, Assert.IsType<LocalBlobStore>(store).Root);
        Assert.Equal((_dir.FullName, "corpus.jsonl"), (root, key));

        Assert.Equal((_dir.FullName, ""), (resolver.Resolve(_dir.FullName).Root, resolver.Resolve(_dir.FullName).Key));
        Assert.Equal((_dir.FullName, "corpus.jsonl"), (resolver.Resolve(new Uri(file).AbsoluteUri).Root, resolver.Resolve(new Uri(file).AbsoluteUri).Key));

        // A trailing '/' names a folder even before it exists.
        var output = Path.Combine(_dir.FullName, "out") + "/";
        Assert.Equal((Path.Combine(_dir.FullName, "out"), ""), (resolver.Resolve(output).Root, resolver.Resolve(output).Key));
    }

    [Fact]
    public void A_folder_location_opens_a_store_of_its_own_in_every_form()
    {
        var resolver = NoEnvironment("UseDevelopmentStorage=true");
        var local = Path.Combine(_dir.FullName, "new", "output");
        Assert.Equal(local, Assert.IsType<LocalBlobStore>(resolver.OpenFolder(local)).Root);
        Assert.True(Directory.Exists(local)); // an output folder is created when missing
        Assert.Equal(local, Assert.IsType<LocalBlobStore>(resolver.OpenFolder(new Uri(local).AbsoluteUri)).Root);

        var blob = Assert.IsType<PrefixedBlobStore>(resolver.OpenFolder("az://vectors/jobs/run-1"));
        Assert.Equal(("jobs/run-1/", "vectors"), (blob.Prefix, ((AzureBlobStore)blob.Inner).Container));
        Assert.Equal("jobs/run-1/", Assert.IsType<PrefixedBlobStore>(resolver.OpenFolder("az://vectors/jobs/run-1/")).Prefix);
        Assert.Equal("vectors", Assert.IsType<AzureBlobStore>(resolver.OpenFolder("az://vectors")).Container);

        var file = Path.Combine(_dir.FullName, "taken");
        File.WriteAllText(file, "x");
        Assert.Equal($"--output {file}: is a file; give a folder (it is created when missing)",
            Assert.Throws<ClusteringException>(() => resolver.OpenFolder(file)).Message);
        Assert.Equal("--stream-catalog: a folder or blob URI is required",
            Assert.Throws<ClusteringException>(() => resolver.OpenFolder(" ", "--stream-catalog")).Message);
    }

    [Fact]
    public void A_mount_puts_a_store_under_a_scheme_prefix()
    {
        var store = new LocalBlobStore(_dir.FullName);
        var resolver = new LocationResolver(mounts: new Dictionary<string, IBlobStore> { ["mem://"] = store });
        Assert.Equal(new StoreLocation(store, "mem://", "data/a.jsonl"), resolver.Resolve("mem://data/a.jsonl"));
        Assert.Equal(new StoreLocation(store, "mem://", ""), resolver.Resolve("mem://"));
        Assert.Contains("'..' segment", Assert.ThrowsAny<ClusteringException>(() => resolver.Resolve("mem://a/../b")).Message);
        Assert.Equal("a mount starts with a scheme such as mem:// (got '/data') (Parameter 'mounts')",
            Assert.Throws<ArgumentException>(() => new LocationResolver(mounts: new Dictionary<string, IBlobStore> { ["/data"] = store })).Message);
    }

    [Theory]
    [InlineData("az://Bad_Container/x", "'Bad_Container' is not a valid container name")]
    [InlineData("az:///x", "--input az:///x: names no container")]
    [InlineData("az://corpus/../x", "'..' segment")]
    [InlineData("http://127.0.0.1:10000/", "--input http://127.0.0.1:10000/: a path-style URL names the account first")]
    [InlineData("s3://bucket/x.jsonl", "--input s3://bucket/x.jsonl: unknown scheme; give a path, az://container/path or an https:// blob URL")]
    [InlineData("file://otherhost/share/x", "file://otherhost/share/x: only local file:// URIs (file:///path) are supported")]
    [InlineData("", "--input: empty location")]
    public void Bad_locations_are_refused_by_name(string location, string expected)
    {
        var e = Assert.ThrowsAny<ClusteringException>(() => NoEnvironment("UseDevelopmentStorage=true").Resolve(location, "--input"));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void A_bad_location_with_a_SAS_is_quoted_without_its_signature()
    {
        var e = Assert.ThrowsAny<ClusteringException>(() =>
            NoEnvironment().Resolve("https://acme.blob.core.windows.net/?sv=1&sig=TOPSECRETSIG", "--output"));
        Assert.DoesNotContain("TOPSECRETSIG", e.Message);
        Assert.StartsWith("--output https://acme.blob.core.windows.net/?sv=1&sig=REDACTED: names no container", e.Message);
    }

    [Fact]
    public void Location_text_helpers_tell_local_from_blob_without_opening_anything()
    {
        Assert.Equal("/data/in", LocationResolver.LocalPathOf("/data/in"));
        Assert.Equal("rel/in.jsonl", LocationResolver.LocalPathOf("rel/in.jsonl"));
        Assert.Equal("/data/in/", LocationResolver.LocalPathOf("file:///data/in/"));
        Assert.Null(LocationResolver.LocalPathOf("az://c/p"));
        Assert.Null(LocationResolver.LocalPathOf("https://a.blob.core.windows.net/c/p"));
        Assert.Null(LocationResolver.LocalPathOf("s3://bucket/p"));

        Assert.True(LocationResolver.IsBlobUri("HTTPS://a.blob.core.windows.net/c"));
        Assert.False(LocationResolver.IsBlobUri("file:///data"));
        Assert.Equal(Path.GetFullPath("rel"), LocationResolver.Absolute("rel"));
        Assert.Equal("file://./rel", LocationResolver.Absolute("file://./rel")); // URIs are never rewritten: job ids hash them

        Assert.Equal("/out/20261122T060000Z", LocationResolver.Child("/out", "20261122T060000Z"));
        Assert.Equal("az://c/out/run?x", LocationResolver.Child("az://c/out/?x", "run"));
        Assert.Equal("https://a.blob.core.windows.net/c/out/run?sv=1&sig=S", LocationResolver.Child("https://a.blob.core.windows.net/c/out?sv=1&sig=S", "run"));
        Assert.Equal(("https://a.blob.core.windows.net/c/*.jsonl", "?sig=S"), LocationResolver.SplitQuery("https://a.blob.core.windows.net/c/*.jsonl?sig=S"));
        Assert.Equal(("az://c/?.jsonl", ""), LocationResolver.SplitQuery("az://c/?.jsonl"));
    }
}
