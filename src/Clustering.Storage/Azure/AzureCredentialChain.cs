using Azure.Identity;

namespace Clustering.Storage.Azure;

/// <summary>
/// Decides the account and credential of a blob location from <see cref="StorageOptions"/> and the environment, in the
/// order <see cref="AzureAuthMode.Auto"/> describes: connection string (<see cref="StorageOptions.ConnectionString"/> or
/// <c>AZURE_STORAGE_CONNECTION_STRING</c>), account key (<c>AZURE_STORAGE_ACCOUNT</c> + <c>AZURE_STORAGE_KEY</c>), SAS
/// (in the URL, or <c>AZURE_STORAGE_SAS_TOKEN</c>), then an Entra ID token. A SAS written into a URL is the most
/// specific of all and wins in auto mode. The emulator's well-known account gets its well-known key.
/// </summary>
public sealed class AzureCredentialChain(StorageOptions options)
{
    private string? Env(string name) => options.EnvironmentVariable(name) is { } v && !string.IsNullOrWhiteSpace(v) ? v.Trim() : null;

    /// <summary>The mode in force: <see cref="StorageOptions.Auth"/>, else <c>AZURE_STORAGE_AUTH_MODE</c>, else auto.</summary>
    public AzureAuthMode Mode =>
        options.Auth ?? (Env(AzureConnectionString.AuthModeVariable) is { } m ? AzureAuthModes.Parse(m, AzureConnectionString.AuthModeVariable) : AzureAuthMode.Auto);

    /// <summary>The connection string's account (its own credential as written), or null when none is set.</summary>
    private AzureBlobAccount? ConnectionStringAccount()
    {
        if (!string.IsNullOrWhiteSpace(options.ConnectionString)) return AzureConnectionString.Parse(options.ConnectionString);
        if (Env(AzureConnectionString.ConnectionStringVariable) is not { } cs) return null;
        try { return AzureConnectionString.Parse(cs); }
        catch (ClusteringException e) { throw new ClusteringException($"{AzureConnectionString.ConnectionStringVariable}: {e.Message}"); }
    }

    /// <summary>
    /// The account <c>az://</c> locations use, with its credential; null when nothing names an account (then the caller
    /// says what to set).
    /// </summary>
    public AzureBlobAccount? ConfiguredAccount()
    {
        var mode = Mode;
        var account = Configured();
        if (account is null && mode == AzureAuthMode.ConnectionString)
            throw new ClusteringException($"--auth connection-string: set {AzureConnectionString.ConnectionStringVariable}");
        return account?.With(Choose(mode, account.Name, account.Credential, urlSas: null));
    }

    /// <summary>The account the connection string or the environment names, with the secret given for it (anonymous when none).</summary>
    internal AzureBlobAccount? Configured() => ConnectionStringAccount() ?? EnvironmentAccount();

    /// <summary>
    /// The credential for an account named by a URL: <paramref name="urlSas"/> when the URL carried one, the configured
    /// account's credential when it is the same account, the emulator's key for its well-known account, else a token.
    /// </summary>
    public AzureCredential ForUrlAccount(string accountName, SasCredential? urlSas)
    {
        var configured = Configured();
        var known = configured is not null && configured.Name == accountName ? configured.Credential
            : accountName == AzureBlobAccount.DevelopmentAccountName ? new SharedKeyCredential(accountName, AzureBlobAccount.DevelopmentAccountKey)
            : AnonymousCredential.Instance;
        return Choose(Mode, accountName, known, urlSas);
    }

    private AzureBlobAccount? EnvironmentAccount() =>
        Env(AzureConnectionString.AccountVariable) is { } name
            ? new AzureBlobAccount(name, new Uri($"https://{name}.blob.core.windows.net"),
                Env(AzureConnectionString.KeyVariable) is { } key ? new SharedKeyCredential(name, key)
                : Env(AzureConnectionString.SasTokenVariable) is { } sas ? new SasCredential(sas)
                : AnonymousCredential.Instance)
            : null;

    /// <summary><paramref name="known"/> is the secret configured for the account (or anonymous when none is).</summary>
    private AzureCredential Choose(AzureAuthMode mode, string account, AzureCredential known, SasCredential? urlSas) => mode switch
    {
        AzureAuthMode.Auto => urlSas ?? (known is AnonymousCredential ? Token() : known),
        AzureAuthMode.ConnectionString => known is AnonymousCredential
            ? throw Missing(mode, account, $"{AzureConnectionString.ConnectionStringVariable} with AccountKey or SharedAccessSignature")
            : known,
        AzureAuthMode.Key => known as SharedKeyCredential
            ?? throw Missing(mode, account, $"{AzureConnectionString.ConnectionStringVariable} with AccountKey, or {AzureConnectionString.AccountVariable} with {AzureConnectionString.KeyVariable}"),
        AzureAuthMode.Sas => urlSas ?? known as SasCredential
            ?? throw Missing(mode, account, $"a SAS in the URL, {AzureConnectionString.ConnectionStringVariable} with SharedAccessSignature, or {AzureConnectionString.SasTokenVariable}"),
        AzureAuthMode.Identity => Token(),
        AzureAuthMode.Anonymous => AnonymousCredential.Instance,
        _ => throw new ArgumentOutOfRangeException(nameof(mode)),
    };

    private static ClusteringException Missing(AzureAuthMode mode, string account, string what) =>
        new($"Azure Storage account '{account}': --auth {mode.Name()} needs {what}");

    private TokenAuthCredential Token() =>
        options.TokenCredential is { } given
            ? new TokenAuthCredential(given, given.GetType().Name)
            : new TokenAuthCredential(SharedDefault.Value, nameof(DefaultAzureCredential));

    // One DefaultAzureCredential per process: it caches tokens, and probing its sources (IMDS, the CLI) is slow.
    private static readonly Lazy<DefaultAzureCredential> SharedDefault = new(() => new DefaultAzureCredential(
        new DefaultAzureCredentialOptions { ExcludeInteractiveBrowserCredential = true }));
}
