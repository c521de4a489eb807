using System.Runtime.CompilerServices;

namespace Clustering.Storage;

/// <summary>
/// A folder inside another store as a store of its own: every key is <see cref="Prefix"/> + key underneath, and what
/// comes back has the prefix taken off again. A job's output at <c>az://container/jobs/run-1/</c> is the container's
/// store seen through the prefix <c>jobs/run-1/</c>, so the pipeline writes <c>part-00000-a1.parquet</c> and lists
/// <c>""</c> exactly as it does in a local folder, and can never touch an object outside its prefix.
/// </summary>
public sealed class PrefixedBlobStore : IBlobStore
{
    public PrefixedBlobStore(IBlobStore inner, string prefix)
    {
        if (prefix.Length == 0 || !prefix.EndsWith('/'))
            throw new ArgumentException($"a store prefix ends with '/' (got '{prefix}')", nameof(prefix));
        BlobKeys.ValidatePrefix(inner.DisplayName, prefix);
        Inner = inner;
        Prefix = prefix;
        DisplayName = inner.DisplayName.TrimEnd('/') + "/" + prefix.TrimEnd('/');
    }

    public IBlobStore Inner { get; }

    /// <summary>Ends with '/'.</summary>
    public string Prefix { get; }

    /// <summary>The inner store's name and the prefix: the location a user would type, without credentials.</summary>
    public string DisplayName { get; }

    public override string ToString() => DisplayName;

    public async IAsyncEnumerable<BlobItem> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        BlobKeys.ValidatePrefix(DisplayName, prefix);
        await foreach (var item in Inner.ListAsync(Prefix + prefix, cancellationToken).ConfigureAwait(false))
            yield return item with { Key = item.Key[Prefix.Length..] };
    }

    public async Task<BlobItem?> GetPropertiesAsync(string key, CancellationToken cancellationToken = default) =>
        Outer(await Inner.GetPropertiesAsync(Full(key), cancellationToken).ConfigureAwait(false));

    public async Task<Stream> OpenReadAsync(string key, long offset = 0, long? length = null, CancellationToken cancellationToken = default)
    {
        try
        {
            return await Inner.OpenReadAsync(Full(key), offset, length, cancellationToken).ConfigureAwait(false);
        }
        catch (BlobNotFoundException)
        {
            throw new BlobNotFoundException(DisplayName, key);
        }
    }

    public async Task<BlobItem> WriteAsync(string key, Stream content, WriteCondition condition = default, CancellationToken cancellationToken = default)
    {
        try
        {
            return Outer(await Inner.WriteAsync(Full(key), content, condition, cancellationToken).ConfigureAwait(false))!;
        }
        catch (BlobConditionFailedException)
        {
            // Callers match on the key they wrote; report it, and this store's name, not the inner ones.
            throw new BlobConditionFailedException(DisplayName, key, condition.IfNotExists ? "it already exists" : $"ETag is not {condition.IfMatchETag}");
        }
    }

    public Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) => Inner.DeleteAsync(Full(key), cancellationToken);

    /// <summary>The inner key; validated here so that a bad key is reported against this store's name, not the inner one's.</summary>
    private string Full(string key)
    {
        BlobKeys.Validate(DisplayName, key);
        return Prefix + key;
    }

    private BlobItem? Outer(BlobItem? item) =>
        item is null ? null : item with { Key = item.Key.StartsWith(Prefix, StringComparison.Ordinal) ? item.Key[Prefix.Length..] : item.Key };
}
