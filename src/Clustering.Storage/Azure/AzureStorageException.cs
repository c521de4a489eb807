namespace Clustering.Storage.Azure;

/// <summary>
/// A request the Blob service refused or that could not be completed: authentication, a missing container, an
/// unexpected status, retries exhausted. The message names the account and the operation, never a credential.
/// </summary>
public sealed class AzureStorageException : ClusteringException
{
    public AzureStorageException(string message, int? status, string? errorCode, Exception? inner = null)
        : base(message, inner!)
    {
        Status = status;
        ErrorCode = errorCode;
    }

    /// <summary>The HTTP status of the last response, or null when none came (connection failures).</summary>
    public int? Status { get; }

    /// <summary>The service's error code (x-ms-error-code), e.g. AuthenticationFailed, ContainerNotFound.</summary>
    public string? ErrorCode { get; }
}
