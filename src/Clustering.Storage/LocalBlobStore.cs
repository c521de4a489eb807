using System.Runtime.CompilerServices;
using System.Security.Cryptography;

namespace Clustering.Storage;

/// <summary>
/// A folder as a blob store. Writes go to a temporary file in the same folder and are renamed into place, so a
/// reader never sees half an object. Conditional writes are serialized by one lock per process (see <see cref="WriteLock"/>).
/// Keys are validated so that no key can name a path outside the root.
/// </summary>
public sealed class LocalBlobStore : IBlobStore
{
    private readonly string _root;
    // Guards the check-then-rename of conditional writes inside this process; atomic rename covers readers. One for all
    // instances: a folder is often opened by several (each job, grain activation or silo of a test cluster opens its own),
    // and two of them fencing the same object (a stream checkpoint, a manifest) must not both pass the check.
    private static readonly Lock WriteLock = new();

    public LocalBlobStore(string root)
    {
        _root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        Directory.CreateDirectory(_root);
    }

    public string DisplayName => _root;

    public string Root => _root;

    /// <summary>The absolute file path of a key, refusing keys that escape the root.</summary>
    public string PathOf(string key)
    {
        BlobKeys.Validate(_root, key);
        return Path.Combine(_root, key);
    }

    public async IAsyncEnumerable<BlobItem> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        BlobKeys.ValidatePrefix(_root, prefix);
        // Walk only the deepest folder the prefix names fully; filter the rest by string prefix.
        var slash = prefix.LastIndexOf('/');
        var dir = slash < 0 ? _root : Path.Combine(_root, prefix[..slash]);
        if (!Directory.Exists(dir)) yield break;
        var keys = new List<string>();
        foreach (var file in Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories))
        {
            var key = Path.GetRelativePath(_root, file).Replace(Path.DirectorySeparatorChar, '/');
            if (key.StartsWith(prefix, StringComparison.Ordinal) && !IsTemporary(key)) keys.Add(key);
        }
        keys.Sort(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var item = await GetPropertiesAsync(key, cancellationToken).ConfigureAwait(false);
            if (item is not null) yield return item;
        }
    }

    public Task<BlobItem?> GetPropertiesAsync(string key, CancellationToken cancellationToken = default)
    {
        var path = PathOf(key);
        LocalPaths.CheckAllowed(path, "file");
        var info = new FileInfo(path);
        return Task.FromResult(info.Exists ? ItemOf(key, info) : null);
    }

    public Task<Stream> OpenReadAsync(string key, long offset = 0, long? length = null, CancellationToken cancellationToken = default)
    {
        var path = PathOf(key);
        // A process confined by --allow-paths reads nothing a link leads out to, whatever the job spec said.
        LocalPaths.CheckAllowed(path, "file");
        if (!File.Exists(path)) throw new BlobNotFoundException(_root, key);
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, useAsync: false);
        var size = stream.Length;
        if (offset < 0 || offset > size)
        {
            stream.Dispose();
            throw new ArgumentOutOfRangeException(nameof(offset), $"{_root}/{key}: offset {offset} outside 0..{size}");
        }
        stream.Position = offset;
        Stream result = length is { } n ? new RangeStream(stream, Math.Min(n, stream.Length - offset)) : stream;
        return Task.FromResult(result);
    }

    public async Task<BlobItem> WriteAsync(string key, Stream content, WriteCondition condition = default, CancellationToken cancellationToken = default)
    {
        var path = PathOf(key);
        LocalPaths.CheckAllowed(path, "file");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = $"{path}.{Guid.NewGuid():N}.tmp~";
        try
        {
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                await content.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
                await file.FlushAsync(cancellationToken).ConfigureAwait(false);
                file.Flush(flushToDisk: true);
            }
            lock (WriteLock)
            {
                var existing = new FileInfo(path);
                if (condition.IfNotExists && existing.Exists)
                    throw new BlobConditionFailedException(_root, key, "it already exists");
                if (condition.IfMatchETag is { } etag && (!existing.Exists || ETagOf(existing) != etag))
                    throw new BlobConditionFailedException(_root, key, $"ETag is not {etag}");
                File.Move(temp, path, overwrite: true);
            }
            return ItemOf(key, new FileInfo(path));
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    public Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        var path = PathOf(key);
        if (!File.Exists(path)) return Task.FromResult(false);
        File.Delete(path);
        return Task.FromResult(true);
    }

    private static bool IsTemporary(string key) => key.EndsWith(".tmp~", StringComparison.Ordinal);

    private static BlobItem ItemOf(string key, FileInfo info) => new(key, info.Length, ETagOf(info), info.LastWriteTimeUtc);

    // Size and modification time identify a version well enough for one host; a rename always changes them.
    private static string ETagOf(FileInfo info)
    {
        Span<byte> bytes = stackalloc byte[16];
        BitConverter.TryWriteBytes(bytes, info.Length);
        BitConverter.TryWriteBytes(bytes[8..], info.LastWriteTimeUtc.Ticks);
        return "\"" + Convert.ToHexString(SHA256.HashData(bytes)[..8]) + "\"";
    }
}
