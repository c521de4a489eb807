using System.CommandLine;
using Clustering.Client;

namespace Clustering.Cli.Commands;

/// <summary>
/// --cluster URL and --token T, shared by the cluster commands; CLUSTERING_URL and CLUSTERING_TOKEN when the flags
/// are absent (prefer the variable for the token: flags show in process lists and shell history).
/// </summary>
internal sealed class ClusterOptions
{
    public readonly Option<string?> Cluster = new("--cluster")
    {
        Description = "A silo's API address, e.g. http://silo1:8080 (default: $CLUSTERING_URL).",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("CLUSTERING_URL"),
    };

    public readonly Option<string?> Token = new("--token")
    {
        Description = "The cluster's bearer token (default: $CLUSTERING_TOKEN).",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("CLUSTERING_TOKEN"),
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Cluster);
        command.Options.Add(Token);
    }

    public ClusterClient CreateClient(ParseResult result)
    {
        var url = result.GetValue(Cluster);
        if (string.IsNullOrWhiteSpace(url)) throw new ClusteringException("--cluster: give a silo's address (or set CLUSTERING_URL), e.g. http://127.0.0.1:8080");
        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new ClusteringException($"--cluster '{url}': not an http:// or https:// address");
        var token = result.GetValue(Token);
        return new ClusterClient(uri, string.IsNullOrEmpty(token) ? null : token);
    }

    /// <summary>Runs a cluster command: usage errors exit 2, API and connection errors exit 1, Ctrl-C exits 130; messages on stderr.</summary>
    public static async Task<int> RunAsync(string name, Func<CancellationToken, Task<int>> body, CancellationToken cancellationToken)
    {
        try
        {
            return await body(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Console.Error.WriteLine($"embedctl {name}: interrupted");
            return 130;
        }
        catch (ClusterApiException e)
        {
            Console.Error.WriteLine($"embedctl {name}: {e.Message}");
            // 400: the silo refused what was sent (a bad spec, a bad model folder) before any work: a usage error.
            return e.Status == System.Net.HttpStatusCode.BadRequest ? 2 : 1;
        }
        catch (ClusteringException e)
        {
            Console.Error.WriteLine($"embedctl {name}: {e.Message}");
            return 2;
        }
    }

    /// <summary>"1.2 MB" style sizes for tables.</summary>
    public static string Bytes(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => $"{bytes / 1024.0:F1} KB",
        < 1024L * 1024 * 1024 => $"{bytes / (1024.0 * 1024):F1} MB",
        _ => $"{bytes / (1024.0 * 1024 * 1024):F2} GB",
    };
}
