using Azure.Core;

namespace Clustering.Storage.Azure;

/// <summary>
/// How requests to one account are authorized: an account key, a SAS token, an Entra ID token credential, or nothing
/// (public data). Which one a location gets is decided by <see cref="AzureCredentialChain"/>.
/// </summary>
public abstract class AzureCredential
{
    /// <summary>"SharedKey", "SAS", "Entra ID (...)" or "anonymous": what a message may say about the credential.</summary>
    public abstract string Kind { get; }

    public override string ToString() => Kind;
}

/// <summary>An account key. The key is kept private and never printed.</summary>
public sealed class SharedKeyCredential : AzureCredential
{
    public SharedKeyCredential(string accountName, string base64Key)
    {
        AccountName = accountName;
        byte[] key;
        try { key = Convert.FromBase64String(base64Key.Trim()); }
        catch (FormatException) { throw new ClusteringException($"Azure Storage account '{accountName}': the account key is not valid base64"); }
        if (key.Length == 0) throw new ClusteringException($"Azure Storage account '{accountName}': the account key is empty");
        Base64Key = base64Key.Trim();
    }

    public string AccountName { get; }

    /// <summary>The key as given: handed to the SDK, and kept so that messages can be checked for it.</summary>
    internal string Base64Key { get; }

    public override string Kind => "SharedKey";
}

/// <summary>A SAS token: a query string appended to every request (without the leading '?').</summary>
public sealed class SasCredential : AzureCredential
{
    public SasCredential(string token)
    {
        Token = token.Trim().TrimStart('?');
        if (Token.Length == 0) throw new ClusteringException("Azure Storage: the SAS token is empty");
    }

    internal string Token { get; }

    /// <summary>The sig= value, kept only so that messages can be checked for it.</summary>
    internal string? Signature =>
        Token.Split('&').Select(p => p.Split('=', 2)).FirstOrDefault(p => p.Length == 2 && p[0].Equals("sig", StringComparison.OrdinalIgnoreCase))?[1];

    public override string Kind => "SAS";
}

/// <summary>
/// An Entra ID token credential (managed identity, workload identity, environment, Azure CLI, ... through
/// <c>DefaultAzureCredential</c> unless a test or host gives its own). Tokens are requested for Azure Storage's scope
/// and refreshed by the SDK; they never reach a message.
/// </summary>
public sealed class TokenAuthCredential(TokenCredential credential, string description) : AzureCredential
{
    public TokenCredential Credential { get; } = credential;

    public override string Kind => $"Entra ID ({description})";
}

public sealed class AnonymousCredential : AzureCredential
{
    public static readonly AnonymousCredential Instance = new();
    public override string Kind => "anonymous";
}
