using Clustering.Storage.Azure;

namespace Clustering.Storage.Tests;

/// <summary>
/// Which credential a location gets: connection string, account key, SAS, then Entra ID (DefaultAzureCredential) in
/// auto mode; <c>--auth</c> / <c>AZURE_STORAGE_AUTH_MODE</c> forcing one, and refusing when it is not configured.
/// </summary>
public sealed class AzureCredentialChainTests
{
    private const string Key = "c2VjcmV0LWtleS1mb3ItdGVzdHMtb25seS0wMTIzNDU2Nzg5YWJjZGVm";
    private const string Sas = "sv=2021-12-02&ss=b&srt=sco&sp=rl&sig=AbCdEf0123456789%2BxYz%3D";

    private static AzureCredential CredentialOf(string location, Dictionary<string, string> env, AzureAuthMode? auth = null)
    {
        var store = new LocationResolver(new StorageOptions { EnvironmentVariable = env.GetValueOrDefault, Auth = auth }).Resolve(location).Store;
        return ((Azure.AzureBlobStore)store).Account.Credential;
    }

    [Fact]
    public void Auto_takes_connection_string_then_key_then_SAS_then_a_token()
    {
        var env = new Dictionary<string, string>
        {
            ["AZURE_STORAGE_CONNECTION_STRING"] = $"AccountName=acct;AccountKey={Key}",
            ["AZURE_STORAGE_ACCOUNT"] = "acct",
            ["AZURE_STORAGE_KEY"] = Key,
            ["AZURE_STORAGE_SAS_TOKEN"] = Sas,
        };
        Assert.Equal("SharedKey", CredentialOf("az://corpus/a.jsonl", env).Kind);
        env["AZURE_STORAGE_CONNECTION_STRING"] = $"BlobEndpoint=https://acct.blob.core.windows.net;SharedAccessSignature={Sas}";
        Assert.Equal("SAS", CredentialOf("az://corpus/a.jsonl", env).Kind);

        env.Remove("AZURE_STORAGE_CONNECTION_STRING");
        Assert.Equal("SharedKey", CredentialOf("az://corpus/a.jsonl", env).Kind);
        env.Remove("AZURE_STORAGE_KEY");
        Assert.Equal("SAS", CredentialOf("az://corpus/a.jsonl", env).Kind);
        env.Remove("AZURE_STORAGE_SAS_TOKEN");
        var token = Assert.IsType<TokenAuthCredential>(CredentialOf("az://corpus/a.jsonl", env));
        Assert.Equal("Entra ID (DefaultAzureCredential)", token.Kind);

        // A connection string without a secret names the endpoint; the identity authorizes.
        env.Clear();
        env["AZURE_STORAGE_CONNECTION_STRING"] = "BlobEndpoint=https://acct.blob.core.windows.net/";
        Assert.IsType<TokenAuthCredential>(CredentialOf("az://corpus/a.jsonl", env));
    }

    [Fact]
    public void A_SAS_in_the_URL_wins_in_auto_mode_and_an_unknown_account_gets_a_token()
    {
        var env = new Dictionary<string, string> { ["AZURE_STORAGE_CONNECTION_STRING"] = $"AccountName=acct;AccountKey={Key}" };
        Assert.Equal("SAS", CredentialOf($"https://acct.blob.core.windows.net/corpus/a.jsonl?{Sas}", env).Kind);
        Assert.Equal("SharedKey", CredentialOf("https://acct.blob.core.windows.net/corpus/a.jsonl", env).Kind);
        Assert.IsType<TokenAuthCredential>(CredentialOf("https://other.blob.core.windows.net/corpus/a.jsonl", env));
        Assert.Equal("SharedKey", CredentialOf("http://127.0.0.1:10000/devstoreaccount1/corpus/a.jsonl", []).Kind);
    }

    [Fact]
    public void Forcing_a_mode_uses_it_or_says_what_is_missing()
    {
        var env = new Dictionary<string, string> { ["AZURE_STORAGE_CONNECTION_STRING"] = $"AccountName=acct;AccountKey={Key}" };
        Assert.IsType<TokenAuthCredential>(CredentialOf("az://corpus/a.jsonl", env, AzureAuthMode.Identity));
        Assert.IsType<AnonymousCredential>(CredentialOf("az://corpus/a.jsonl", env, AzureAuthMode.Anonymous));
        Assert.Equal("SharedKey", CredentialOf("az://corpus/a.jsonl", env, AzureAuthMode.Key).Kind);

        var sas = Assert.Throws<ClusteringException>(() => CredentialOf("az://corpus/a.jsonl", env, AzureAuthMode.Sas));
        Assert.Equal("Azure Storage account 'acct': --auth sas needs a SAS in the URL, AZURE_STORAGE_CONNECTION_STRING with SharedAccessSignature, " +
                     "or AZURE_STORAGE_SAS_TOKEN", sas.Message);
        Assert.Equal("SAS", CredentialOf($"https://acct.blob.core.windows.net/corpus/a.jsonl?{Sas}", env, AzureAuthMode.Sas).Kind);

        var none = Assert.Throws<ClusteringException>(() => CredentialOf("az://corpus/a.jsonl", [], AzureAuthMode.ConnectionString));
        Assert.Equal("--auth connection-string: set AZURE_STORAGE_CONNECTION_STRING", none.Message);
        var key = Assert.Throws<ClusteringException>(() => CredentialOf("https://other.blob.core.windows.net/c1/a", env, AzureAuthMode.Key));
        Assert.StartsWith("Azure Storage account 'other': --auth key needs ", key.Message);
        Assert.DoesNotContain(Key, key.Message);
    }

    [Fact]
    public void The_environment_variable_forces_a_mode_and_a_bad_name_is_refused_naming_it()
    {
        var env = new Dictionary<string, string>
        {
            ["AZURE_STORAGE_CONNECTION_STRING"] = $"AccountName=acct;AccountKey={Key}",
            ["AZURE_STORAGE_AUTH_MODE"] = "login",
        };
        Assert.IsType<TokenAuthCredential>(CredentialOf("az://corpus/a.jsonl", env));
        Assert.Equal("SharedKey", CredentialOf("az://corpus/a.jsonl", env, AzureAuthMode.Auto).Kind); // the option beats the variable

        env["AZURE_STORAGE_AUTH_MODE"] = "kerberos";
        var e = Assert.Throws<ClusteringException>(() => CredentialOf("az://corpus/a.jsonl", env));
        Assert.Equal("AZURE_STORAGE_AUTH_MODE: 'kerberos' is not an authentication mode (expected auto, connection-string, key, sas, identity (or login), anonymous)", e.Message);
    }
}
