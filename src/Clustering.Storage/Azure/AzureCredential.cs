using System.Security.Cryptography;
using System.Text;

namespace Clustering.Storage.Azure;

/// <summary>How requests to one account are authorized: a SharedKey (account key), a SAS token, or nothing (public data).</summary>
public abstract class AzureCredential
{
    /// <summary>"SharedKey", "SAS" or "anonymous": what a message may say about the credential.</summary>
    public abstract string Kind { get; }

    public override string ToString() => Kind;
}

/// <summary>An account key. The key bytes are kept private and never printed.</summary>
public sealed class SharedKeyCredential : AzureCredential
{
    private readonly byte[] _key;

    public SharedKeyCredential(string accountName, string base64Key)
    {
        AccountName = accountName;
        try { _key = Convert.FromBase64String(base64Key.Trim()); }
        catch (FormatException) { throw new ClusteringException($"Azure Storage account '{accountName}': the account key is not valid base64"); }
        if (_key.Length == 0) throw new ClusteringException($"Azure Storage account '{accountName}': the account key is empty");
        Base64Key = base64Key.Trim();
    }

    public string AccountName { get; }

    /// <summary>The key as given, kept only so that messages can be checked for it.</summary>
    internal string Base64Key { get; }

    public override string Kind => "SharedKey";

    /// <summary>Base64 of HMAC-SHA256(key, UTF-8 string-to-sign).</summary>
    public string Sign(string stringToSign) => Convert.ToBase64String(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(stringToSign)));
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

public sealed class AnonymousCredential : AzureCredential
{
    public static readonly AnonymousCredential Instance = new();
    public override string Kind => "anonymous";
}
