using System.Collections.Concurrent;
using System.Diagnostics;
using Clustering.Storage.Azure;
using Clustering.Storage.Tests.Support;

namespace Clustering.Storage.Tests;

/// <summary>
/// Retry behaviour against a real loopback HTTP server that answers as scripted: what Azurite cannot be told to do
/// (503 with Retry-After, a persistent 500, a hang). Base delays are tiny here, so only the server's Retry-After can
/// explain a long gap between attempts.
/// </summary>
public sealed class AzureRetryTests
{
    private const string Ok = "HTTP/1.1 200 OK\r\nETag: \"0x8DC0FFEE\"\r\nLast-Modified: Tue, 01 Dec 2026 10:00:00 GMT";

    private static AzureBlobStore StoreOn(int port, Action<AzureRetryOptions>? retry = null, Action<BlobStoreEvent>? events = null, HttpMessageHandler? handler = null)
    {
        var options = new StorageOptions { Events = events, HttpHandler = handler };
        options.Retry.BaseDelay = TimeSpan.FromMilliseconds(10);
        options.Retry.MaxDelay = TimeSpan.FromMilliseconds(50);
        retry?.Invoke(options.Retry);
        return new AzureBlobStore(AzureBlobAccount.Development(new Uri($"http://127.0.0.1:{port}/devstoreaccount1")), "jobs", options);
    }

    [Fact]
    public async Task A_503_with_Retry_After_seconds_is_retried_after_that_many_seconds()
    {
        await using var server = new ScriptedHttpServer(i => i == 0 ? "HTTP/1.1 503 Server Busy\r\nRetry-After: 1\r\nx-ms-error-code: ServerBusy" : Ok);
        var events = new ConcurrentQueue<BlobStoreEvent>();
        var item = await StoreOn(server.Port, events: events.Enqueue).GetPropertiesAsync("out/_manifest.json");

        Assert.Equal("\"0x8DC0FFEE\"", item!.ETag);
        Assert.Equal(2, server.Arrivals.Count);
        var gap = server.Arrivals[1] - server.Arrivals[0];
        Assert.InRange(gap.TotalMilliseconds, 950, 5000);
        var retry = Assert.Single(events, e => e.Level == BlobStoreEventLevel.Warning);
        Assert.Equal(TimeSpan.FromSeconds(1), retry.Delay);
        Assert.Equal(503, retry.Status);
        Assert.Contains("503 ServerBusy", retry.Message);
    }

    [Fact]
    public async Task x_ms_retry_after_ms_and_an_HTTP_date_Retry_After_are_honoured()
    {
        await using var server = new ScriptedHttpServer(i => i switch
        {
            0 => "HTTP/1.1 429 Too Many Requests\r\nx-ms-retry-after-ms: 400",
            1 => $"HTTP/1.1 503 Busy\r\nRetry-After: {DateTimeOffset.UtcNow.AddSeconds(2):R}",
            _ => Ok,
        });
        Assert.NotNull(await StoreOn(server.Port).GetPropertiesAsync("k"));
        var a = server.Arrivals;
        Assert.Equal(3, a.Count);
        Assert.InRange((a[1] - a[0]).TotalMilliseconds, 380, 3000);
        Assert.InRange((a[2] - a[1]).TotalMilliseconds, 900, 3000); // an HTTP date has whole seconds: 1 to 2 s away
    }

    [Fact]
    public async Task A_persistent_500_gives_up_after_the_attempt_limit_naming_the_operation()
    {
        await using var server = new ScriptedHttpServer(_ => "HTTP/1.1 500 Internal Server Error\r\nx-ms-error-code: InternalError");
        var e = await Assert.ThrowsAsync<AzureStorageException>(() =>
            StoreOn(server.Port, r => r.MaxAttempts = 4).DeleteAsync("out/part-1.parquet"));
        Assert.Equal(4, server.Arrivals.Count);
        Assert.Equal("Azure Blob Storage request failed for account 'devstoreaccount1' while deleting 'jobs/out/part-1.parquet' after 4 attempts: 500 InternalError", e.Message);
        Assert.Equal(500, e.Status);
    }

    [Fact]
    public async Task A_Retry_After_beyond_the_deadline_fails_at_once()
    {
        await using var server = new ScriptedHttpServer(_ => "HTTP/1.1 503 Busy\r\nRetry-After: 60");
        var watch = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<AzureStorageException>(() =>
            StoreOn(server.Port, r => r.Deadline = TimeSpan.FromSeconds(5)).GetPropertiesAsync("k"));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(4), $"took {watch.Elapsed}");
        Assert.Single(server.Arrivals);
        Assert.Contains("within the retry deadline of 5 s (1 attempts): 503", e.Message);
    }

    [Fact]
    public async Task A_client_error_is_not_retried()
    {
        await using var server = new ScriptedHttpServer(_ => "HTTP/1.1 400 Bad Request\r\nx-ms-error-code: InvalidQueryParameterValue");
        var e = await Assert.ThrowsAsync<AzureStorageException>(() => StoreOn(server.Port).DeleteAsync("k"));
        Assert.Single(server.Arrivals);
        Assert.Equal("Azure Blob Storage refused deleting 'jobs/k' in account 'devstoreaccount1' (400 InvalidQueryParameterValue)", e.Message);
    }

    [Fact]
    public async Task A_hung_server_times_out_each_attempt_and_then_the_request()
    {
        await using var server = new ScriptedHttpServer(i => i < 2 ? null : Ok);
        var store = StoreOn(server.Port, r => r.AttemptTimeout = TimeSpan.FromMilliseconds(500));
        Assert.NotNull(await store.GetPropertiesAsync("k")); // two silent attempts, then an answer
        Assert.True(server.Arrivals.Count >= 3); // (a fourth only if this box is too loaded to answer in 0.5 s)
        Assert.True(server.Arrivals[2] - server.Arrivals[0] >= TimeSpan.FromMilliseconds(950));

        await using var silent = new ScriptedHttpServer(_ => null);
        var e = await Assert.ThrowsAsync<AzureStorageException>(() =>
            StoreOn(silent.Port, r => { r.AttemptTimeout = TimeSpan.FromMilliseconds(200); r.MaxAttempts = 2; }).GetPropertiesAsync("k"));
        Assert.EndsWith("after 2 attempts: no answer within 0.2 s", e.Message);
    }

    [Fact]
    public async Task Refused_connections_are_retried_then_reported()
    {
        var counter = new CountingHandler();
        var port = AzuriteProcess.FreePort(); // nobody listens there
        var e = await Assert.ThrowsAsync<AzureStorageException>(() =>
            StoreOn(port, r => r.MaxAttempts = 3, handler: counter).GetPropertiesAsync("k"));
        Assert.Equal(3, counter.Count);
        Assert.Null(e.Status);
        Assert.StartsWith("Azure Blob Storage request failed for account 'devstoreaccount1' while getting the properties of 'jobs/k' after 3 attempts: connection failed (", e.Message);
    }

    [Fact]
    public async Task A_retried_create_only_write_that_finds_its_own_earlier_success_succeeds()
    {
        // Attempt 1 is applied but its answer never comes; attempt 2 meets the object attempt 1 created (409);
        // the store then reads the object's write id, finds its own, and reports success instead of a conflict.
        string? writeId = null;
        await using var server = new ScriptedHttpServer((i, request) =>
        {
            if (i == 0)
            {
                writeId = request.Split("\r\n").Single(l => l.StartsWith("x-ms-meta-clusteringwriteid:", StringComparison.OrdinalIgnoreCase)).Split(':')[1].Trim();
                return null;
            }
            if (i == 1) return "HTTP/1.1 409 The specified blob already exists.\r\nx-ms-error-code: BlobAlreadyExists";
            return $"{Ok}\r\nx-ms-meta-clusteringwriteid: {writeId}";
        });
        var store = StoreOn(server.Port, r => r.AttemptTimeout = TimeSpan.FromSeconds(1));
        var item = await store.WriteAsync("job/_SUCCESS", new MemoryStream(), WriteCondition.CreateOnly);
        Assert.Equal("\"0x8DC0FFEE\"", item.ETag);
        Assert.Equal(3, server.Arrivals.Count);

        // Someone else's object: the same answers with another write id are a refusal.
        await using var other = new ScriptedHttpServer(i => i switch
        {
            0 => null,
            1 => "HTTP/1.1 409 The specified blob already exists.\r\nx-ms-error-code: BlobAlreadyExists",
            _ => $"{Ok}\r\nx-ms-meta-clusteringwriteid: 0123456789abcdef0123456789abcdef",
        });
        var e = await Assert.ThrowsAsync<BlobConditionFailedException>(() =>
            StoreOn(other.Port, r => r.AttemptTimeout = TimeSpan.FromSeconds(1)).WriteAsync("job/_SUCCESS", new MemoryStream(), WriteCondition.CreateOnly));
        Assert.Equal("http://127.0.0.1:" + other.Port + "/devstoreaccount1/jobs: conditional write of 'job/_SUCCESS' refused (it already exists; 409 BlobAlreadyExists)", e.Message);
    }
}
