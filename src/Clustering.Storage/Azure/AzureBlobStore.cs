using System.Runtime.CompilerServices;
using Azure;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace Clustering.Storage.Azure;

/// <summary>
/// One Azure Blob Storage container as a blob store, on the Azure SDK (<c>Azure.Storage.Blobs</c>). Keys are blob
/// names. Reads are ranged downloads that resume after a lost connection or a stall, pinned to the ETag they started
/// with (the SDK's retriable download stream); writes above <see cref="StorageOptions.BlockSize"/> go up as blocks,
/// <see cref="StorageOptions.MaxParallelBlocks"/> at a time, then one block list, so memory stays bounded.
/// Conditional writes are If-None-Match:* and If-Match:&lt;etag&gt;.
/// </summary>
public sealed class AzureBlobStore : IBlobStore
{
    /// <summary>Metadata naming the write that produced a version, so a retried conditional write can recognise its own success.</summary>
    internal const string WriteIdMetadata = "clusteringwriteid";

    private readonly BlobContainerClient _container;
    private readonly StorageOptions _options;
    private readonly CredentialScrubber _scrubber;

    public AzureBlobStore(AzureBlobAccount account, string container, StorageOptions? options = null)
    {
        ValidateContainerName(account, container);
        _options = options ?? new StorageOptions();
        Account = account;
        Container = container;
        _container = AzureClients.Service(account, _options).GetBlobContainerClient(container);
        _scrubber = new CredentialScrubber(account.Credential);
        DisplayName = account.BlobEndpoint.AbsoluteUri.TrimEnd('/') + "/" + Uri.EscapeDataString(container);
    }

    /// <summary>The container URL, without credentials.</summary>
    public string DisplayName { get; }

    public string Container { get; }

    public AzureBlobAccount Account { get; }

    public override string ToString() => DisplayName;

    /// <summary>Creates the container; false when it already existed.</summary>
    public async Task<bool> CreateContainerIfNotExistsAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            return await _container.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false) is not null;
        }
        catch (RequestFailedException e)
        {
            throw Refused(e, $"creating container '{Container}'");
        }
    }

    /// <summary>Deletes the container and everything in it; false when it did not exist.</summary>
    public async Task<bool> DeleteContainerIfExistsAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            return (await _container.DeleteIfExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
        }
        catch (RequestFailedException e)
        {
            throw Refused(e, $"deleting container '{Container}'");
        }
    }

    public IAsyncEnumerable<BlobItem> ListAsync(string prefix, CancellationToken cancellationToken = default) =>
        ListAsync(prefix, _options.ListPageSize, cancellationToken);

    /// <summary>List Blobs page by page (<paramref name="pageSize"/> per request), following the continuation marker.</summary>
    public async IAsyncEnumerable<BlobItem> ListAsync(string prefix, int pageSize, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        BlobKeys.ValidatePrefix(DisplayName, prefix);
        if (pageSize is < 1 or > 5000) throw new ArgumentOutOfRangeException(nameof(pageSize), pageSize, "List Blobs pages hold 1 to 5000 entries");
        var pages = _container.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix.Length > 0 ? prefix : null, cancellationToken)
            .AsPages(pageSizeHint: pageSize).GetAsyncEnumerator(cancellationToken);
        try
        {
            while (true)
            {
                Page<global::Azure.Storage.Blobs.Models.BlobItem> page;
                try
                {
                    if (!await pages.MoveNextAsync().ConfigureAwait(false)) break;
                    page = pages.Current;
                }
                catch (RequestFailedException e)
                {
                    throw Refused(e, $"listing '{Container}/{prefix}'");
                }
                foreach (var item in page.Values)
                    yield return new BlobItem(item.Name, item.Properties.ContentLength ?? 0, Quoted(item.Properties.ETag ?? default),
                        item.Properties.LastModified ?? DateTimeOffset.MinValue);
            }
        }
        finally
        {
            await pages.DisposeAsync().ConfigureAwait(false);
        }
    }

    public async Task<BlobItem?> GetPropertiesAsync(string key, CancellationToken cancellationToken = default)
    {
        BlobKeys.Validate(DisplayName, key);
        var properties = await PropertiesAsync(key, cancellationToken).ConfigureAwait(false);
        return properties is null ? null : new BlobItem(key, properties.ContentLength, Quoted(properties.ETag), properties.LastModified);
    }

    private async Task<BlobProperties?> PropertiesAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            return (await _container.GetBlobClient(key).GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
        catch (RequestFailedException e)
        {
            throw Refused(e, $"getting the properties of '{Container}/{key}'");
        }
    }

    public async Task<Stream> OpenReadAsync(string key, long offset = 0, long? length = null, CancellationToken cancellationToken = default)
    {
        BlobKeys.Validate(DisplayName, key);
        if (offset < 0) throw new ArgumentOutOfRangeException(nameof(offset), $"{DisplayName}/{key}: offset {offset} is negative");
        if (length < 0) throw new ArgumentOutOfRangeException(nameof(length), $"{DisplayName}/{key}: length {length} is negative");
        if (length == 0) return await EmptyReadAsync(key, offset, cancellationToken).ConfigureAwait(false);
        try
        {
            var range = offset == 0 && length is null ? default : new HttpRange(offset, length);
            var download = await _container.GetBlobClient(key)
                .DownloadStreamingAsync(new BlobDownloadOptions { Range = range }, cancellationToken).ConfigureAwait(false);
            return new RangeStream(download.Value.Content, download.Value.Details.ContentLength);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            throw new BlobNotFoundException(DisplayName, key);
        }
        catch (RequestFailedException e) when (e.Status == 416)
        {
            return await EmptyReadAsync(key, offset, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e)
        {
            throw Refused(e, $"reading '{Container}/{key}'");
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
        var writeId = Guid.NewGuid().ToString("N");
        var blockSize = _options.BlockSize;
        var first = System.Buffers.ArrayPool<byte>.Shared.Rent(blockSize);
        try
        {
            var filled = await content.ReadAtLeastAsync(first.AsMemory(0, blockSize), blockSize, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            if (filled < blockSize)
                return await UploadAsync(key, new MemoryStream(first, 0, filled, writable: false), condition, writeId, cancellationToken).ConfigureAwait(false);
            // Large: a doomed create-only or If-Match upload is refused before it sends gigabytes; the commit re-checks.
            await PrecheckAsync(key, condition, cancellationToken).ConfigureAwait(false);
            return await UploadAsync(key, new PrefixedStream(first.AsMemory(0, filled), content), condition, writeId, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(first);
        }
    }

    /// <summary>
    /// One upload through the SDK: a single Put Blob up to the block size, else Put Block (at most
    /// <see cref="StorageOptions.MaxParallelBlocks"/> in flight) and Put Block List, which carries the condition.
    /// </summary>
    private async Task<BlobItem> UploadAsync(string key, Stream body, WriteCondition condition, string writeId, CancellationToken cancellationToken)
    {
        var counted = new CountingStream(body);
        var upload = new BlobUploadOptions
        {
            Metadata = new Dictionary<string, string> { [WriteIdMetadata] = writeId },
            Conditions = condition.IfNotExists ? new BlobRequestConditions { IfNoneMatch = ETag.All }
                : condition.IfMatchETag is { } etag ? new BlobRequestConditions { IfMatch = new ETag(etag) }
                : null,
            TransferOptions = new StorageTransferOptions
            {
                InitialTransferSize = _options.BlockSize,
                MaximumTransferSize = _options.BlockSize,
                MaximumConcurrency = _options.MaxParallelBlocks,
            },
        };
        try
        {
            var info = (await _container.GetBlobClient(key).UploadAsync(counted, upload, cancellationToken).ConfigureAwait(false)).Value;
            // A seekable body may be read again by a retry; its length is the length.
            return new BlobItem(key, body.CanSeek ? body.Length : counted.BytesRead, Quoted(info.ETag), info.LastModified);
        }
        catch (RequestFailedException e) when (IsRefusal(e, condition))
        {
            // An earlier attempt may have written the object before its answer was lost: then the refusal is our own write.
            if (await PropertiesAsync(key, cancellationToken).ConfigureAwait(false) is { } current
                && current.Metadata.TryGetValue(WriteIdMetadata, out var id) && id == writeId)
                return new BlobItem(key, current.ContentLength, Quoted(current.ETag), current.LastModified);
            throw new BlobConditionFailedException(DisplayName, key, Describe(condition) + $"; {e.Status} {e.ErrorCode}");
        }
        catch (RequestFailedException e)
        {
            throw Refused(e, $"writing '{Container}/{key}'");
        }
    }

    private static bool IsRefusal(RequestFailedException e, WriteCondition condition) =>
        e.Status == 412
        || (condition.IfNotExists || condition.IfMatchETag is not null) && e.Status == 409
        || condition.IfMatchETag is not null && e.Status == 404 && e.ErrorCode == "BlobNotFound";

    public async Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        BlobKeys.Validate(DisplayName, key);
        try
        {
            // A retried delete whose first attempt succeeded also answers false; the object is gone either way.
            return (await _container.GetBlobClient(key).DeleteIfExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
        }
        catch (RequestFailedException e)
        {
            throw Refused(e, $"deleting '{Container}/{key}'");
        }
    }

    private async Task PrecheckAsync(string key, WriteCondition condition, CancellationToken cancellationToken)
    {
        if (!condition.IfNotExists && condition.IfMatchETag is null) return;
        var current = await GetPropertiesAsync(key, cancellationToken).ConfigureAwait(false);
        if (condition.IfNotExists && current is not null || condition.IfMatchETag is { } etag && current?.ETag != etag)
            throw new BlobConditionFailedException(DisplayName, key, Describe(condition));
    }

    /// <summary>A refusal the retry policy let through (it handles 401/403, missing containers and exhausted retries).</summary>
    private AzureStorageException Refused(RequestFailedException e, string operation)
    {
        var message = AzureRetryPolicy.FirstLine(e.Message);
        var detail = message.Length == 0 || message.StartsWith("Service request failed", StringComparison.Ordinal) || message.StartsWith("Status:", StringComparison.Ordinal)
            ? "" : $": {message}";
        var text = $"Azure Blob Storage refused {operation} in account '{Account.Name}' ({e.Status} {e.ErrorCode ?? "error"}){detail}";
        return new AzureStorageException(_scrubber.Scrub(text), e.Status, e.ErrorCode);
    }

    private static string Describe(WriteCondition condition) =>
        condition.IfNotExists ? "it already exists" : $"ETag is not {condition.IfMatchETag}";

    /// <summary>ETags as HTTP headers carry them, in quotes (listings give them bare).</summary>
    internal static string Quoted(ETag etag)
    {
        var text = etag.ToString();
        return text.Length == 0 || text.StartsWith('"') ? text : $"\"{text}\"";
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
