using Azure.Core;

namespace Clustering.Storage.Azure;

/// <summary>
/// What a Blob service request does, in the words messages use ("listing 'corpus/in/'", "reading 'corpus/a.jsonl'"),
/// read from the request itself: so every request the SDK sends, retries and resumed downloads included, is named
/// the same way. Container and blob come from the URL path below the account's endpoint.
/// </summary>
internal static class AzureOperation
{
    public static (string Container, string? Blob) Target(Request request, AzureBlobAccount account)
    {
        var path = "/" + request.Uri.Path.TrimStart('/');
        var root = account.BlobEndpoint.AbsolutePath.TrimEnd('/');
        if (root.Length > 0 && path.StartsWith(root, StringComparison.Ordinal)) path = path[root.Length..];
        var parts = path.TrimStart('/').Split('/', 2);
        var container = Uri.UnescapeDataString(parts[0]);
        return (container, parts.Length > 1 && parts[1].Length > 0 ? Uri.UnescapeDataString(parts[1]) : null);
    }

    public static string Describe(Request request, AzureBlobAccount account)
    {
        var (container, blob) = Target(request, account);
        var query = request.Uri.Query;
        string? Param(string name)
        {
            foreach (var part in query.TrimStart('?').Split('&'))
                if (part.StartsWith(name + "=", StringComparison.Ordinal)) return Uri.UnescapeDataString(part[(name.Length + 1)..]);
            return null;
        }
        var comp = Param("comp");
        var method = request.Method;
        if (blob is null)
        {
            if (comp == "list") return $"listing '{container}/{Param("prefix")}'";
            if (method == RequestMethod.Put) return $"creating container '{container}'";
            if (method == RequestMethod.Delete) return $"deleting container '{container}'";
            return $"reading the properties of container '{container}'";
        }
        var name = $"'{container}/{blob}'";
        return comp switch
        {
            "block" => $"uploading a block of {name}",
            "blocklist" => $"committing the blocks of {name}",
            _ when method == RequestMethod.Get => $"reading {name}",
            _ when method == RequestMethod.Head => $"getting the properties of {name}",
            _ when method == RequestMethod.Put => $"writing {name}",
            _ when method == RequestMethod.Delete => $"deleting {name}",
            _ => $"{method} {name}",
        };
    }
}
