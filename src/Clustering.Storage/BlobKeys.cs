namespace Clustering.Storage;

/// <summary>
/// The one rule for object keys and list prefixes shared by every store: '/'-separated, relative, no empty, '.' or
/// '..' segment, no backslash or control character, at most 1024 characters. A local store would otherwise resolve
/// '..' outside its root, and an HTTP client would collapse it in the URL path and leave the container.
/// </summary>
public static class BlobKeys
{
    public const int MaxLength = 1024;

    /// <summary>Throws a <see cref="ClusteringException"/> naming <paramref name="store"/> when the key is not acceptable.</summary>
    public static void Validate(string store, string key)
    {
        if (string.IsNullOrEmpty(key)) throw new ClusteringException($"{store}: empty object key");
        ValidateCore(store, key, "object key", allowTrailingSlash: false);
    }

    /// <summary>A prefix may be empty or end with '/'; otherwise it follows the key rules.</summary>
    public static void ValidatePrefix(string store, string prefix)
    {
        if (prefix.Length == 0) return;
        ValidateCore(store, prefix, "prefix", allowTrailingSlash: true);
    }

    private static void ValidateCore(string store, string key, string what, bool allowTrailingSlash)
    {
        if (key.Length > MaxLength)
            throw new ClusteringException($"{store}: {what} of {key.Length} characters is longer than {MaxLength}");
        if (key.StartsWith('/'))
            throw new ClusteringException($"{store}: invalid {what} '{key}' (absolute path)");
        foreach (var c in key)
            if (c == '\\' || char.IsControl(c))
                throw new ClusteringException($"{store}: invalid {what} '{Printable(key)}' (backslash or control character)");
        var body = allowTrailingSlash && key.EndsWith('/') ? key[..^1] : key;
        foreach (var part in body.Split('/'))
            if (part is "" or "." or "..")
                throw new ClusteringException($"{store}: invalid {what} '{key}' (empty, '.' or '..' segment)");
    }

    private static string Printable(string key) =>
        string.Concat(key.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));
}
