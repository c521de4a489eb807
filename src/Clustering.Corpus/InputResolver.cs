using Clustering.Storage;
using Clustering.Storage.Azure;

namespace Clustering.Corpus;

/// <summary>
/// Turns <c>--input</c> arguments into the sorted, de-duplicated list of inputs of a corpus. An argument is
/// <list type="bullet">
/// <item>a file: taken if its extension is known (<see cref="InputFormats.Detect"/>, <c>.json</c> included), else refused;</item>
/// <item>a folder: walked recursively, taking known extensions except <c>.json</c>, and skipping every path segment
///   that starts with '.' or '_' (hidden files, <c>_SUCCESS</c>, <c>_errors/</c>);</item>
/// <item>a blob URI (<see cref="Storage.LocationResolver"/>): an object, or with a trailing '/' a prefix taken like a folder;</item>
/// <item>a glob (<see cref="GlobPattern"/>): the part before the first wildcard segment is located like a folder, the rest
///   is matched against the keys below it; matches with unknown extensions are skipped.</item>
/// </list>
/// An argument that yields nothing is an error, so a typo never silently makes an empty job.
/// </summary>
public sealed class InputResolver(InputStores stores)
{
    public async Task<IReadOnlyList<CorpusInput>> ResolveAsync(IEnumerable<string> arguments, CancellationToken cancellationToken = default)
    {
        var found = new List<CorpusInput>();
        foreach (var argument in arguments)
        {
            var before = found.Count;
            await ResolveOneAsync(argument, found, cancellationToken).ConfigureAwait(false);
            if (found.Count == before)
                throw new ClusteringException($"--input '{SecretRedactor.Redact(argument)}': matched no input files (.jsonl, .ndjson, .jsonl.gz, .txt, .md, .txt.gz, .parquet)");
        }
        found.Sort(static (a, b) =>
        {
            var byName = string.CompareOrdinal(a.Name, b.Name);
            return byName != 0 ? byName : string.CompareOrdinal(a.Identity, b.Identity);
        });
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var inputs = new List<CorpusInput>(found.Count);
        foreach (var input in found)
            if (seen.Add(input.Identity))
                inputs.Add(input);
        return inputs;
    }

    private async Task ResolveOneAsync(string argument, List<CorpusInput> found, CancellationToken cancellationToken)
    {
        if (argument.Length == 0) throw new ClusteringException("--input: empty path");
        // A SAS query is the credential, not part of the path: it is neither a glob nor part of any document's name.
        var (bare, query) = LocationResolver.SplitQuery(argument);
        var shown = SecretRedactor.Redact(argument);
        var (literal, pattern) = SplitGlob(bare);
        if (pattern is not null)
        {
            var glob = new GlobPattern(pattern);
            var baseLocation = stores.Locate(literal + query);
            var listPrefix = AsFolderPrefix(baseLocation.Key);
            await foreach (var item in baseLocation.Store.ListAsync(listPrefix, cancellationToken).ConfigureAwait(false))
            {
                var relative = item.Key[listPrefix.Length..];
                if (!glob.IsMatch(relative) || InputFormats.Detect(item.Key, explicitlyNamed: true) is not { } format) continue;
                found.Add(InputOf(literal + relative, baseLocation.Root, item, format));
            }
            return;
        }

        var location = stores.Locate(argument);
        if (location.Key.Length > 0 && !location.Key.EndsWith('/'))
        {
            var item = await location.Store.GetPropertiesAsync(location.Key, cancellationToken).ConfigureAwait(false);
            if (item is not null)
            {
                var format = InputFormats.Detect(item.Key, explicitlyNamed: true)
                    ?? throw new ClusteringException($"--input '{shown}': unknown file type (expected .jsonl, .ndjson, .json, .jsonl.gz, .txt, .md, .txt.gz or .parquet)");
                found.Add(InputOf(bare, location.Root, item, format));
                return;
            }
        }
        var prefix = AsFolderPrefix(location.Key);
        var namePrefix = bare is "." or "./" ? "" : bare.TrimEnd('/') + "/";
        await foreach (var item in location.Store.ListAsync(prefix, cancellationToken).ConfigureAwait(false))
        {
            var relative = item.Key[prefix.Length..];
            if (IsHiddenPath(relative) || InputFormats.Detect(item.Key, explicitlyNamed: false) is not { } format) continue;
            found.Add(InputOf(namePrefix + relative, location.Root, item, format));
        }
    }

    private static CorpusInput InputOf(string name, string root, Storage.BlobItem item, InputFormat format) =>
        new(name, root, item.Key, format, item.Length, item.ETag, item.LastModified);

    /// <summary>Splits "data/**/x.jsonl" into ("data/", "**/x.jsonl"); (argument, null) when there is no wildcard.</summary>
    public static (string Literal, string? Pattern) SplitGlob(string argument)
    {
        var start = 0;
        while (start <= argument.Length)
        {
            var end = argument.IndexOf('/', start);
            if (end < 0) end = argument.Length;
            if (GlobPattern.HasWildcard(argument.AsSpan(start, end - start)))
                return (argument[..start], argument[start..]);
            start = end + 1;
        }
        return (argument, null);
    }

    private static string AsFolderPrefix(string prefix) => prefix.Length == 0 || prefix.EndsWith('/') ? prefix : prefix + "/";

    private static bool IsHiddenPath(string relative)
    {
        foreach (var segment in relative.Split('/'))
            if (segment.StartsWith('.') || segment.StartsWith('_'))
                return true;
        return false;
    }
}
