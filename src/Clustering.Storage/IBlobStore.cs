namespace Clustering.Storage;

/// <summary>
/// Object storage as the cluster needs it: list by prefix, ranged reads, streamed writes, conditional writes, delete.
/// Keys are '/'-separated paths relative to the store's root (a local folder, or an Azure container + prefix).
/// Implementations: <see cref="LocalBlobStore"/> (a folder) and the Azure Blob REST store (issue 7).
/// </summary>
public interface IBlobStore
{
    /// <summary>A human-readable name for messages (a path or a URI without secrets).</summary>
    string DisplayName { get; }

    /// <summary>Every object whose key starts with <paramref name="prefix"/>, in key order.</summary>
    IAsyncEnumerable<BlobItem> ListAsync(string prefix, CancellationToken cancellationToken = default);

    /// <summary>The object's properties, or null when it does not exist.</summary>
    Task<BlobItem?> GetPropertiesAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Reads <paramref name="length"/> bytes from <paramref name="offset"/> (null: to the end).</summary>
    Task<Stream> OpenReadAsync(string key, long offset = 0, long? length = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes the whole object from <paramref name="content"/>. <paramref name="condition"/> makes it conditional:
    /// <see cref="WriteCondition.IfNotExists"/> or an ETag match. A failed condition throws <see cref="BlobConditionFailedException"/>.
    /// </summary>
    Task<BlobItem> WriteAsync(string key, Stream content, WriteCondition condition = default, CancellationToken cancellationToken = default);

    /// <summary>Deletes the object; returns false when it did not exist.</summary>
    Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default);
}

/// <summary>One stored object: key, size in bytes, entity tag, last modification.</summary>
public sealed record BlobItem(string Key, long Length, string ETag, DateTimeOffset LastModified);

/// <summary>When a write may happen: always (default), only if absent, or only if the current ETag matches.</summary>
public readonly record struct WriteCondition(bool IfNotExists, string? IfMatchETag)
{
    public static WriteCondition None => default;
    public static WriteCondition CreateOnly => new(true, null);
    public static WriteCondition IfMatch(string etag) => new(false, etag);
}

/// <summary>A conditional write whose condition did not hold (the object exists, or its ETag changed).</summary>
public sealed class BlobConditionFailedException(string store, string key, string condition)
    : ClusteringException($"{store}: conditional write of '{key}' refused ({condition})")
{
    public string Key { get; } = key;
}
