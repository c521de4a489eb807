using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;

namespace Clustering.Storage.Azure;

/// <summary>
/// One Azure Blob Storage container as a blob store, over the Blob REST API (service version
/// <see cref="StorageOptions.ApiVersion"/>). Keys are blob names. Reads stream and resume; writes stream in blocks
/// (Put Block in parallel, then Put Block List) above <see cref="StorageOptions.BlockSize"/>, with bounded memory.
/// Conditional writes map to If-None-Match:* and If-Match:&lt;etag&gt;.
/// </summary>
public sealed class AzureBlobStore : IBlobStore
{
    /// <summary>Metadata naming the write that produced a version, so a retried conditional write can recognise its own success.</summary>
    internal const string WriteIdHeader = "x-ms-meta-clusteringwriteid";

    public AzureBlobStore(AzureBlobAccount account, string container, StorageOptions? options = null)
    {
        ValidateContainerName(account, container);
        Container = container;
        Client = new AzureBlobClient(account, options ?? new StorageOptions());
        DisplayName = Client.UrlOf(container, null);
    }

    /// <summary>The container URL, without credentials.</summary>
    public string DisplayName { get; }

    public string Container { get; }

    public AzureBlobAccount Account => Client.Account;

    internal AzureBlobClient Client { get; }

    public override string ToString() => DisplayName;

    /// <summary>Creates the container; false when it already existed.</summary>
    public async Task<bool> CreateContainerIfNotExistsAsync(CancellationToken cancellationToken = default)
    {
        var request = new AzureRequest(HttpMethod.Put, Container, null, $"creating container '{Container}'").WithQuery("restype", "container");
        using var response = await Client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Created) return true;
        if (response.StatusCode == HttpStatusCode.Conflict && AzureBlobClient.ErrorCodeOf(response) == "ContainerAlreadyExists") return false;
        throw await Client.ErrorAsync(response, request).ConfigureAwait(false);
    }

    /// <summary>Deletes the container and everything in it; false when it did not exist.</summary>
    public async Task<bool> DeleteContainerIfExistsAsync(CancellationToken cancellationToken = default)
    {
        var request = new AzureRequest(HttpMethod.Delete, Container, null, $"deleting container '{Container}'").WithQuery("restype", "container");
        try
        {
            using var response = await Client.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.Accepted) return true;
            throw await Client.ErrorAsync(response, request).ConfigureAwait(false);
        }
        catch (AzureStorageException e) when (e.ErrorCode == "ContainerNotFound")
        {
            return false;
        }
    }

    public IAsyncEnumerable<BlobItem> ListAsync(string prefix, CancellationToken cancellationToken = default) =>
        ListAsync(prefix, Client.Options.ListPageSize, cancellationToken);

    /// <summary>List Blobs page by page (<paramref name="pageSize"/> per request), following NextMarker.</summary>
    public async IAsyncEnumerable<BlobItem> ListAsync(string prefix, int pageSize, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        BlobKeys.ValidatePrefix(DisplayName, prefix);
        if (pageSize is < 1 or > 5000) throw new ArgumentOutOfRangeException(nameof(pageSize), pageSize, "List Blobs pages hold 1 to 5000 entries");
        string? marker = null;
        do
        {
            var request = new AzureRequest(HttpMethod.Get, Container, null, $"listing '{Container}/{prefix}'") { StreamResponse = true }
                .WithQuery("restype", "container").WithQuery("comp", "list")
                .WithQuery("maxresults", pageSize.ToString(CultureInfo.InvariantCulture));
            if (prefix.Length > 0) request.WithQuery("prefix", prefix);
            if (marker is not null) request.WithQuery("marker", marker);
            List<BlobItem> page;
            using (var response = await Client.SendAsync(request, cancellationToken).ConfigureAwait(false))
            {
                if (response.StatusCode != HttpStatusCode.OK) throw await Client.ErrorAsync(response, request).ConfigureAwait(false);
                await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
                (page, marker) = await ListBlobsResponse.ReadAsync(body, $"{DisplayName} (listing '{prefix}')", cancellationToken).ConfigureAwait(false);
            }
            foreach (var item in page) yield return item;
        } while (marker is not null);
    }

    public async Task<BlobItem?> GetPropertiesAsync(string key, CancellationToken cancellationToken = default)
    {
        BlobKeys.Validate(DisplayName, key);
        var request = new AzureRequest(HttpMethod.Head, Container, key, $"getting the properties of '{Container}/{key}'");
        using var response = await Client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        if (response.StatusCode != HttpStatusCode.OK) throw await Client.ErrorAsync(response, request).ConfigureAwait(false);
        return ItemOf(key, response, response.Content.Headers.ContentLength ?? 0);
    }

    public async Task<Stream> OpenReadAsync(string key, long offset = 0, long? length = null, CancellationToken cancellationToken = default)
    {
        BlobKeys.Validate(DisplayName, key);
        if (offset < 0) throw new ArgumentOutOfRangeException(nameof(offset), $"{DisplayName}/{key}: offset {offset} is negative");
        if (length < 0) throw new ArgumentOutOfRangeException(nameof(length), $"{DisplayName}/{key}: length {length} is negative");
        if (length == 0) return await EmptyReadAsync(key, offset, cancellationToken).ConfigureAwait(false);
        try
        {
            var (response, body) = await OpenRangeResponseAsync(key, offset, length, ifMatch: null, cancellationToken).ConfigureAwait(false);
            var etag = response.Headers.TryGetValues("ETag", out var tags) ? tags.First() : "";
            return new AzureReadStream(this, key, offset, response.Content.Headers.ContentLength ?? 0, etag, response, body);
        }
        catch (AzureStorageException e) when (e.Status == 416)
        {
            return await EmptyReadAsync(key, offset, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Get Blob for bytes [offset, offset+length) (to the end when length is null), optionally pinned to an ETag.</summary>
    internal async Task<(HttpResponseMessage Response, Stream Body)> OpenRangeResponseAsync(string key, long offset, long? length, string? ifMatch, CancellationToken cancellationToken)
    {
        var request = new AzureRequest(HttpMethod.Get, Container, key, $"reading '{Container}/{key}'") { StreamResponse = true };
        if (offset > 0 || length is not null)
            request.WithHeader("x-ms-range", length is { } n ? $"bytes={offset}-{offset + n - 1}" : $"bytes={offset}-");
        if (ifMatch is not null) request.WithHeader("If-Match", ifMatch);
        var response = await Client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        try
        {
            switch (response.StatusCode)
            {
                case HttpStatusCode.OK or HttpStatusCode.PartialContent:
                    var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
                    return (response, body);
                case HttpStatusCode.NotFound:
                    throw new BlobNotFoundException(DisplayName, key);
                case HttpStatusCode.PreconditionFailed:
                    throw new AzureStorageException($"{DisplayName}: '{key}' changed while it was being read (its ETag is no longer {ifMatch})", 412, "ConditionNotMet");
                default:
                    throw await Client.ErrorAsync(response, request).ConfigureAwait(false);
            }
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    private async Task<Stream> EmptyReadAsync(string key, long offset, CancellationToken cancellationToken)
    {
        var item = await GetPropertiesAsync(key, cancellationToken).ConfigureAwait(false) ?? throw new BlobNotFoundException(DisplayName, key);
        if (offset > item.Length)
            throw new ArgumentOutOfRangeException(nameof(offset), $"{DisplayName}/{key}: offset {offset} outside 0..{item.Length}");
        return new MemoryStream([], writable: false);
    }

    public async Task<BlobItem> WriteAsync(string key, Stream content, WriteCondition condition = default, CancellationToken cancellationToken = default)
    {
        BlobKeys.Validate(DisplayName, key);
        var writeId = Guid.NewGuid();
        var blockSize = Client.Options.BlockSize;
        var first = System.Buffers.ArrayPool<byte>.Shared.Rent(blockSize);
        try
        {
            var filled = await content.ReadAtLeastAsync(first.AsMemory(0, blockSize), blockSize, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            if (filled < blockSize)
                return await PutBlobAsync(key, first.AsMemory(0, filled), condition, writeId, cancellationToken).ConfigureAwait(false);
            // Large: a doomed create-only or If-Match upload is refused before it sends gigabytes; the commit re-checks.
            await PrecheckAsync(key, condition, cancellationToken).ConfigureAwait(false);
            var uploader = new BlockUploader(this, key, writeId);
            var owned = first;
            first = null; // from here the uploader owns the buffer and returns it to the pool
            var (blockIds, total) = await uploader.UploadAsync(owned, filled, content, cancellationToken).ConfigureAwait(false);
            return await PutBlockListAsync(key, blockIds, total, condition, writeId, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (first is not null) System.Buffers.ArrayPool<byte>.Shared.Return(first);
        }
    }

    public async Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        BlobKeys.Validate(DisplayName, key);
        var request = new AzureRequest(HttpMethod.Delete, Container, key, $"deleting '{Container}/{key}'");
        using var response = await Client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Accepted) return true;
        // A retried delete whose first attempt succeeded also lands here; the object is gone either way.
        if (response.StatusCode == HttpStatusCode.NotFound) return false;
        throw await Client.ErrorAsync(response, request).ConfigureAwait(false);
    }

    private async Task<BlobItem> PutBlobAsync(string key, ReadOnlyMemory<byte> body, WriteCondition condition, Guid writeId, CancellationToken cancellationToken)
    {
        var request = new AzureRequest(HttpMethod.Put, Container, key, $"writing '{Container}/{key}'") { Body = body, BodyMd5 = MD5.HashData(body.Span) }
            .WithHeader("x-ms-blob-type", "BlockBlob")
            .WithHeader(WriteIdHeader, writeId.ToString("N"));
        AddCondition(request, condition);
        return await CommitAsync(request, key, body.Length, condition, writeId, cancellationToken).ConfigureAwait(false);
    }

    private async Task<BlobItem> PutBlockListAsync(string key, IReadOnlyList<string> blockIds, long total, WriteCondition condition, Guid writeId, CancellationToken cancellationToken)
    {
        var xml = new System.Text.StringBuilder("<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList>");
        foreach (var id in blockIds) xml.Append("<Latest>").Append(id).Append("</Latest>");
        var body = System.Text.Encoding.UTF8.GetBytes(xml.Append("</BlockList>").ToString());
        var request = new AzureRequest(HttpMethod.Put, Container, key, $"committing {blockIds.Count} blocks of '{Container}/{key}'") { Body = body, BodyMd5 = MD5.HashData(body) }
            .WithQuery("comp", "blocklist")
            .WithHeader(WriteIdHeader, writeId.ToString("N"));
        AddCondition(request, condition);
        return await CommitAsync(request, key, total, condition, writeId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Put Block of one block; the buffer stays the caller's until this returns, so every retry resends it.</summary>
    internal async Task PutBlockAsync(string key, string blockId, ReadOnlyMemory<byte> block, CancellationToken cancellationToken)
    {
        var request = new AzureRequest(HttpMethod.Put, Container, key, $"uploading a block of '{Container}/{key}'") { Body = block, BodyMd5 = MD5.HashData(block.Span) }
            .WithQuery("comp", "block").WithQuery("blockid", blockId);
        using var response = await Client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Created) throw await Client.ErrorAsync(response, request).ConfigureAwait(false);
    }

    private async Task<BlobItem> CommitAsync(AzureRequest request, string key, long length, WriteCondition condition, Guid writeId, CancellationToken cancellationToken)
    {
        using var response = await Client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Created) return ItemOf(key, response, length);
        var conditional = condition.IfNotExists || condition.IfMatchETag is not null;
        var code = AzureBlobClient.ErrorCodeOf(response);
        var refused = response.StatusCode == HttpStatusCode.PreconditionFailed
                      || (conditional && response.StatusCode == HttpStatusCode.Conflict)
                      || (condition.IfMatchETag is not null && response.StatusCode == HttpStatusCode.NotFound && code == "BlobNotFound");
        if (!refused) throw await Client.ErrorAsync(response, request).ConfigureAwait(false);
        // An earlier attempt may have written the object before its answer was lost: then the refusal is our own write.
        if (request.EarlierAttemptUncertain && await OwnWriteAsync(key, writeId, cancellationToken).ConfigureAwait(false) is { } own)
            return own;
        throw new BlobConditionFailedException(DisplayName, key, Describe(condition) + $"; {(int)response.StatusCode} {code}");
    }

    private async Task PrecheckAsync(string key, WriteCondition condition, CancellationToken cancellationToken)
    {
        if (!condition.IfNotExists && condition.IfMatchETag is null) return;
        var current = await GetPropertiesAsync(key, cancellationToken).ConfigureAwait(false);
        if (condition.IfNotExists && current is not null || condition.IfMatchETag is { } etag && current?.ETag != etag)
            throw new BlobConditionFailedException(DisplayName, key, Describe(condition));
    }

    private async Task<BlobItem?> OwnWriteAsync(string key, Guid writeId, CancellationToken cancellationToken)
    {
        var request = new AzureRequest(HttpMethod.Head, Container, key, $"checking the write of '{Container}/{key}'");
        using var response = await Client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.OK) return null;
        return response.Headers.TryGetValues(WriteIdHeader, out var ids) && ids.FirstOrDefault() == writeId.ToString("N")
            ? ItemOf(key, response, response.Content.Headers.ContentLength ?? 0)
            : null;
    }

    private static void AddCondition(AzureRequest request, WriteCondition condition)
    {
        if (condition.IfNotExists) request.WithHeader("If-None-Match", "*");
        if (condition.IfMatchETag is { } etag) request.WithHeader("If-Match", etag);
    }

    private static string Describe(WriteCondition condition) =>
        condition.IfNotExists ? "it already exists" : $"ETag is not {condition.IfMatchETag}";

    private static BlobItem ItemOf(string key, HttpResponseMessage response, long length)
    {
        var etag = response.Headers.TryGetValues("ETag", out var tags) ? ListBlobsResponse.Quoted(tags.First()) : "";
        var modified = response.Content.Headers.LastModified ?? DateTimeOffset.UtcNow;
        return new BlobItem(key, length, etag, modified);
    }

    private static void ValidateContainerName(AzureBlobAccount account, string container)
    {
        // 3-63 characters, lower-case letters, digits and single hyphens, starting and ending with a letter or digit.
        var ok = container.Length is >= 3 and <= 63
                 && container.All(c => c is >= 'a' and <= 'z' or >= '0' and <= '9' or '-')
                 && container[0] != '-' && container[^1] != '-' && !container.Contains("--", StringComparison.Ordinal);
        if (!ok)
            throw new ClusteringException(
                $"Azure Storage account '{account.Name}': '{container}' is not a valid container name (3-63 lower-case letters, digits and single hyphens)");
    }
}
