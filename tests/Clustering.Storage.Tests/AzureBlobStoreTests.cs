using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Clustering.Storage.Azure;
using Clustering.Storage.Tests.Support;

namespace Clustering.Storage.Tests;

/// <summary>Azure-only behaviour against a real Azurite: pages, blocks, authentication, missing containers, secrets.</summary>
[Collection("Azurite")]
public sealed class AzureBlobStoreTests(AzuriteFixture fixture)
{
    private AzuriteProcess Azurite => fixture.Azurite;

    private static MemoryStream Bytes(string text) => new(Encoding.UTF8.GetBytes(text));

    [Fact]
    public async Task Create_container_if_not_exists_reports_whether_it_created_it()
    {
        var store = new AzureBlobStore(Azurite.Account, $"created{Guid.NewGuid():N}"[..20]);
        Assert.True(await store.CreateContainerIfNotExistsAsync());
        Assert.False(await store.CreateContainerIfNotExistsAsync());
        Assert.True(await store.DeleteContainerIfExistsAsync());
        Assert.False(await store.DeleteContainerIfExistsAsync());
    }

    [Fact]
    public async Task Listing_follows_the_continuation_marker_across_many_pages()
    {
        var counter = new CountingHandler();
        var store = await fixture.NewContainerAsync(new StorageOptions { HttpHandler = counter }, "pages");
        var keys = Enumerable.Range(0, 150).Select(i => $"corpus/part-{i:D4}.jsonl").ToArray();
        await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = 8 },
            async (key, ct) => await store.WriteAsync(key, Bytes(key), cancellationToken: ct));
        await store.WriteAsync("other/x", Bytes("x"));

        var before = counter.Requests.Count(r => r.Contains("comp=list"));
        var listed = await store.ListAsync("corpus/", pageSize: 7).ToListAsync();
        var listRequests = counter.Requests.Count(r => r.Contains("comp=list")) - before;

        Assert.Equal(keys, listed.Select(i => i.Key));
        Assert.All(listed, i => Assert.Equal(i.Key.Length, i.Length));
        Assert.Equal((150 + 6) / 7, listRequests); // 22 pages: every NextMarker followed, none repeated
        Assert.Equal(151, (await store.ListAsync("").ToListAsync()).Count);
    }

    [Fact]
    public async Task A_300_MB_object_goes_up_in_parallel_blocks_and_comes_back_by_ranges_byte_for_byte()
    {
        const long size = 300_000_000; // not a multiple of the block size: the last block is short
        const int blockSize = 8 << 20;
        var counter = new CountingHandler();
        var store = await fixture.NewContainerAsync(new StorageOptions { HttpHandler = counter, BlockSize = blockSize, MaxParallelBlocks = 4 }, "large");

        await using var source = new DeterministicStream(size, seed: 42);
        var written = await store.WriteAsync("big/blob.bin", source, WriteCondition.CreateOnly);
        var sentHash = source.Sha256();
        Assert.Equal(size, written.Length);
        Assert.Equal((int)((size + blockSize - 1) / blockSize), counter.Requests.Count(r => r.Contains("comp=block&")));
        Assert.Single(counter.Requests, r => r.Contains("comp=blocklist"));

        var properties = await store.GetPropertiesAsync("big/blob.bin");
        Assert.Equal(size, properties!.Length);
        Assert.Equal(written.ETag, properties.ETag);

        // Read back in three uneven ranges, hashed in order.
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 20];
        long[] starts = [0, 123_456_789, 200_000_001, size];
        for (var i = 0; i < 3; i++)
        {
            await using var range = await store.OpenReadAsync("big/blob.bin", starts[i], starts[i + 1] - starts[i]);
            Assert.Equal(starts[i + 1] - starts[i], range.Length);
            long got = 0;
            int n;
            while ((n = await range.ReadAsync(buffer)) > 0)
            {
                hash.AppendData(buffer, 0, n);
                got += n;
            }
            Assert.Equal(starts[i + 1] - starts[i], got);
        }
        Assert.Equal(Convert.ToHexString(sentHash), Convert.ToHexString(hash.GetCurrentHash()));
    }

    [Fact]
    public async Task A_large_create_only_write_over_an_existing_object_is_refused_before_uploading()
    {
        var counter = new CountingHandler();
        var store = await fixture.NewContainerAsync(new StorageOptions { HttpHandler = counter, BlockSize = 1 << 20 }, "precheck");
        await store.WriteAsync("out/_manifest.json", Bytes("first"));
        await Assert.ThrowsAsync<BlobConditionFailedException>(() =>
            store.WriteAsync("out/_manifest.json", new DeterministicStream(5 << 20), WriteCondition.CreateOnly));
        Assert.DoesNotContain(counter.Requests, r => r.Contains("comp=block"));
    }

    [Fact]
    public async Task A_wrong_key_fails_once_with_a_message_naming_the_account_and_operation()
    {
        var wrongKey = Convert.ToBase64String(Encoding.UTF8.GetBytes("definitely-not-the-devstoreaccount1-key-0123456789"));
        var account = new AzureBlobAccount(AzureBlobAccount.DevelopmentAccountName, Azurite.BlobEndpoint,
            new SharedKeyCredential(AzureBlobAccount.DevelopmentAccountName, wrongKey));
        var counter = new CountingHandler();
        var events = new ConcurrentQueue<BlobStoreEvent>();
        var store = new AzureBlobStore(account, "corpus", new StorageOptions { HttpHandler = counter, Events = events.Enqueue });

        var e = await Assert.ThrowsAsync<AzureStorageException>(async () => await store.ListAsync("inputs/").ToListAsync());

        Assert.Equal(
            "Azure Blob Storage authentication failed for account 'devstoreaccount1' (403 AuthorizationFailure) while listing 'corpus/inputs/'; " +
            "check the account key or SAS token (SharedKey was used)", e.Message);
        Assert.Equal(403, e.Status);
        Assert.Equal(1, counter.Count); // no retry storm
        AssertFreeOf(wrongKey, e, events);
        Assert.DoesNotContain(Convert.ToBase64String(Convert.FromBase64String(AzureBlobAccount.DevelopmentAccountKey)), e.ToString());
    }

    [Fact]
    public async Task A_missing_container_is_named_in_the_error()
    {
        var store = new AzureBlobStore(Azurite.Account, "no-such-container");
        var list = await Assert.ThrowsAsync<AzureStorageException>(async () => await store.ListAsync("").ToListAsync());
        Assert.Equal("Azure Blob Storage container 'no-such-container' does not exist in account 'devstoreaccount1' (404 ContainerNotFound) while listing 'no-such-container/'", list.Message);
        var write = await Assert.ThrowsAsync<AzureStorageException>(() => store.WriteAsync("a.txt", Bytes("x")));
        Assert.Contains("container 'no-such-container' does not exist", write.Message);
        var read = await Assert.ThrowsAsync<AzureStorageException>(() => store.OpenReadAsync("a.txt"));
        Assert.Contains("container 'no-such-container' does not exist", read.Message);
        var head = await Assert.ThrowsAsync<AzureStorageException>(() => store.GetPropertiesAsync("a.txt")); // HEAD: code from x-ms-error-code
        Assert.Contains("container 'no-such-container' does not exist", head.Message);
    }

    [Fact]
    public async Task A_SAS_token_in_the_URL_authorizes_and_its_signature_never_shows()
    {
        var container = await fixture.NewContainerAsync(stem: "sas");
        var sas = AccountSas.Create(AzureBlobAccount.DevelopmentAccountName, AzureBlobAccount.DevelopmentAccountKey, DateTimeOffset.UtcNow.AddHours(1));
        var sig = AccountSas.SignatureOf(sas);
        var events = new ConcurrentQueue<BlobStoreEvent>();
        var options = new StorageOptions { Events = events.Enqueue, EnvironmentVariable = _ => null };

        var (store, _, prefix) = new LocationResolver(options).Resolve($"{Azurite.BlobEndpoint}/{container.Container}/in/?{sas}");
        var azure = Assert.IsType<AzureBlobStore>(store);
        Assert.IsType<SasCredential>(azure.Account.Credential);
        Assert.Equal("in/", prefix);
        await store.WriteAsync(prefix + "doc.jsonl", Bytes("{\"id\":1}"));
        Assert.Equal(["in/doc.jsonl"], (await store.ListAsync(prefix).ToListAsync()).Select(i => i.Key));
        await using (var read = await store.OpenReadAsync("in/doc.jsonl"))
            Assert.Equal("{\"id\":1}", await new StreamReader(read).ReadToEndAsync());

        Assert.NotEmpty(events);
        Assert.Contains(events, e => e.Message.Contains("sig=REDACTED"));
        AssertFreeOf(sig, null, events);
        AssertFreeOf(Uri.EscapeDataString(sig), null, events);
        Assert.DoesNotContain(sig, store.DisplayName);
        Assert.DoesNotContain(sig, store.ToString());

        // A tampered signature: refused once, and neither signature appears anywhere.
        var forged = Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes("forged")));
        var badSas = sas.Replace(Uri.EscapeDataString(sig), Uri.EscapeDataString(forged));
        var counter = new CountingHandler();
        events.Clear();
        var bad = new LocationResolver(new StorageOptions { HttpHandler = counter, Events = events.Enqueue, EnvironmentVariable = _ => null })
            .Resolve($"{Azurite.BlobEndpoint}/{container.Container}/in/?{badSas}").Store;
        var e = await Assert.ThrowsAsync<AzureStorageException>(() => bad.GetPropertiesAsync("in/doc.jsonl"));
        Assert.StartsWith("Azure Blob Storage authentication failed for account 'devstoreaccount1' (403", e.Message);
        Assert.Contains("(SAS was used)", e.Message);
        Assert.Equal(1, counter.Count);
        AssertFreeOf(forged, e, events);
        AssertFreeOf(Uri.EscapeDataString(forged), e, events);
    }

    [Fact]
    public async Task Az_URIs_use_the_connection_string_from_options_or_the_environment()
    {
        var container = await fixture.NewContainerAsync(stem: "azuri");
        var viaOptions = new LocationResolver(new StorageOptions { ConnectionString = Azurite.ConnectionString, EnvironmentVariable = _ => null })
            .Resolve($"az://{container.Container}/data/x.txt");
        await viaOptions.Store.WriteAsync(viaOptions.Key, Bytes("hello"));

        var env = new Dictionary<string, string> { ["AZURE_STORAGE_CONNECTION_STRING"] = Azurite.ConnectionString };
        var viaEnvironment = new LocationResolver(new StorageOptions { EnvironmentVariable = env.GetValueOrDefault }).Resolve($"az://{container.Container}/data/");
        Assert.Equal("data/", viaEnvironment.Key);
        Assert.Equal(["data/x.txt"], (await viaEnvironment.Store.ListAsync(viaEnvironment.Key).ToListAsync()).Select(i => i.Key));
        Assert.DoesNotContain(AzureBlobAccount.DevelopmentAccountKey, viaEnvironment.Store.DisplayName);

        var pathStyle = new LocationResolver(new StorageOptions { EnvironmentVariable = _ => null }).Resolve($"{Azurite.BlobEndpoint}/{container.Container}/data/x.txt");
        Assert.Equal("data/x.txt", pathStyle.Key);
        Assert.Equal(5, (await pathStyle.Store.GetPropertiesAsync(pathStyle.Key))!.Length);
    }

    internal static void AssertFreeOf(string secret, Exception? exception, IEnumerable<BlobStoreEvent> events)
    {
        if (exception is not null)
        {
            Assert.DoesNotContain(secret, exception.Message);
            Assert.DoesNotContain(secret, exception.ToString());
        }
        foreach (var e in events)
        {
            Assert.DoesNotContain(secret, e.Message);
            Assert.DoesNotContain(secret, e.Operation);
            Assert.DoesNotContain(secret, e.ToString());
        }
    }
}
