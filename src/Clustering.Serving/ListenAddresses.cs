using System.Net;

namespace Clustering.Serving;

/// <summary>The --listen URLs (of a silo or <c>embedctl serve</c>), parsed, and whether they all stay on this machine (loopback).</summary>
public sealed class ListenAddresses
{
    private ListenAddresses(IReadOnlyList<Uri> urls, bool loopbackOnly)
    {
        Urls = urls;
        LoopbackOnly = loopbackOnly;
    }

    public IReadOnlyList<Uri> Urls { get; }

    /// <summary>True when every URL binds a loopback address (127.0.0.0/8, ::1, localhost): nobody else can connect.</summary>
    public bool LoopbackOnly { get; }

    public static ListenAddresses Parse(string listen)
    {
        var parts = (listen ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0) throw new ClusteringException("--listen: give at least one URL, e.g. http://127.0.0.1:8080");
        var urls = new List<Uri>();
        var loopbackOnly = true;
        foreach (var part in parts)
        {
            // Kestrel's wildcards (*, +) are not valid URI hosts; read them as "every interface".
            var normalized = part.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal);
            if (!Uri.TryCreate(normalized, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.AbsolutePath != "/" || uri.Query.Length > 0)
                throw new ClusteringException($"--listen: '{part}' is not an address like http://HOST:PORT");
            urls.Add(uri);
            loopbackOnly &= IsLoopback(uri.Host);
        }
        return new ListenAddresses(urls, loopbackOnly);
    }

    private static bool IsLoopback(string host)
    {
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)) return true;
        return IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip);
    }

    /// <summary>
    /// Refuses to serve beyond loopback without a token: anyone who can reach the port could otherwise submit jobs
    /// that read and write files as the server's user (a silo), or use its GPUs (a silo, <c>embedctl serve</c>).
    /// </summary>
    public void RequireTokenUnlessLoopback(string? token)
    {
        if (!LoopbackOnly && string.IsNullOrEmpty(token))
            throw new ClusteringException(
                $"--listen {string.Join(';', Urls.Select(u => u.GetLeftPart(UriPartial.Authority)))} reaches beyond this machine, so a token is required: " +
                "set CLUSTERING_TOKEN (or --token) to a long random secret (openssl rand -hex 32), or listen on 127.0.0.1 only");
    }
}
