namespace Clustering.Storage.Azure;

/// <summary>
/// Which credential blob locations use. <see cref="Auto"/> takes the first that is configured, in this order: a
/// connection string, an account key, a SAS token (in the URL or the environment), then an Entra ID token
/// (<c>DefaultAzureCredential</c>). The others force one kind and fail, naming what is missing, when it is not configured.
/// Chosen by <c>--auth</c> or <c>AZURE_STORAGE_AUTH_MODE</c>.
/// </summary>
public enum AzureAuthMode
{
    Auto,
    ConnectionString,
    Key,
    Sas,
    Identity,
    Anonymous,
}

public static class AzureAuthModes
{
    /// <summary>The names <c>--auth</c> and <c>AZURE_STORAGE_AUTH_MODE</c> accept.</summary>
    public const string Names = "auto, connection-string, key, sas, identity (or login), anonymous";

    /// <summary>Parses a mode name (case-insensitive); <paramref name="source"/> names the option or variable in the error.</summary>
    public static AzureAuthMode Parse(string value, string source) => value.Trim().ToLowerInvariant() switch
    {
        "auto" or "" => AzureAuthMode.Auto,
        "connection-string" or "connectionstring" => AzureAuthMode.ConnectionString,
        "key" or "shared-key" => AzureAuthMode.Key,
        "sas" => AzureAuthMode.Sas,
        "identity" or "login" or "entra" => AzureAuthMode.Identity,
        "anonymous" or "none" => AzureAuthMode.Anonymous,
        _ => throw new ClusteringException($"{source}: '{value}' is not an authentication mode (expected {Names})"),
    };

    public static string Name(this AzureAuthMode mode) => mode switch
    {
        AzureAuthMode.ConnectionString => "connection-string",
        _ => mode.ToString().ToLowerInvariant(),
    };
}
