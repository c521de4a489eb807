using System.Net;

namespace Clustering.Client;

/// <summary>The silo answered with an error, or could not be reached. The message names the silo and the request, never the token.</summary>
public sealed class ClusterApiException : ClusteringException
{
    public ClusterApiException(string message, HttpStatusCode? status = null, Exception? inner = null) : base(message, inner!)
    {
        Status = status;
    }

    /// <summary>The HTTP status, or null when no answer came (connection refused, timeout).</summary>
    public HttpStatusCode? Status { get; }
}
