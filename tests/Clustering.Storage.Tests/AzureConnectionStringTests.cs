using Clustering.Storage.Azure;

namespace Clustering.Storage.Tests;

public sealed class AzureConnectionStringTests
{
    private const string Key = "c2VjcmV0LWtleS1mb3ItdGVzdHMtb25seS0wMTIzNDU2Nzg5YWJjZGVm"; // base64 of a made-up key
    private const string Sig = "AbCdEf0123456789%2BxYz%3D";

    [Fact]
    public void Account_key_form_builds_the_public_endpoint_from_name_protocol_and_suffix()
    {
        var account = AzureConnectionString.Parse($"DefaultEndpointsProtocol=https;AccountName=corpora;AccountKey={Key};EndpointSuffix=core.chinacloudapi.cn");
        Assert.Equal("corpora", account.Name);
        Assert.Equal("https://corpora.blob.core.chinacloudapi.cn/", account.BlobEndpoint.ToString());
        Assert.IsType<SharedKeyCredential>(account.Credential);
        Assert.Equal("corpora at https://corpora.blob.core.chinacloudapi.cn/ (SharedKey)", account.ToString());

        var defaults = AzureConnectionString.Parse($"AccountName=corpora;AccountKey={Key}");
        Assert.Equal("https://corpora.blob.core.windows.net/", defaults.BlobEndpoint.ToString());
    }

    [Fact]
    public void Blob_endpoint_with_SAS_takes_the_account_from_the_host()
    {
        var account = AzureConnectionString.Parse($"BlobEndpoint=https://vectors.blob.core.windows.net/;SharedAccessSignature=sv=2021-12-02&ss=b&srt=co&sp=rl&se=2030-01-01T00%3A00%3A00Z&sig={Sig}");
        Assert.Equal("vectors", account.Name);
        var sas = Assert.IsType<SasCredential>(account.Credential);
        Assert.Equal("SAS", sas.ToString());
        Assert.DoesNotContain(Sig, account.ToString());
    }

    [Fact]
    public void Explicit_path_style_blob_endpoint_keeps_its_path()
    {
        var account = AzureConnectionString.Parse(
            $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AzureBlobAccount.DevelopmentAccountKey};BlobEndpoint=http://127.0.0.1:10055/devstoreaccount1;");
        Assert.Equal("http://127.0.0.1:10055/devstoreaccount1", account.BlobEndpoint.ToString());
        Assert.Equal("devstoreaccount1", account.Name);
        Assert.Equal("devstoreaccount1", AzureConnectionString.Parse("BlobEndpoint=http://localhost:10000/devstoreaccount1;SharedAccessSignature=sig=x").Name);
    }

    [Fact]
    public void UseDevelopmentStorage_means_the_emulator_defaults()
    {
        var account = AzureConnectionString.Parse("UseDevelopmentStorage=true");
        Assert.Equal("devstoreaccount1", account.Name);
        Assert.Equal("http://127.0.0.1:10000/devstoreaccount1", account.BlobEndpoint.ToString());
        Assert.IsType<SharedKeyCredential>(account.Credential);
        Assert.Equal("http://azurite:10000/devstoreaccount1",
            AzureConnectionString.Parse("UseDevelopmentStorage=true;DevelopmentStorageProxyUri=http://azurite").BlobEndpoint.ToString());
    }

    [Theory]
    [InlineData("AccountKey=xyz", "it names neither AccountName nor BlobEndpoint nor UseDevelopmentStorage")]
    [InlineData("AccountName=a;AccountKey=not base64!!", "Azure Storage account 'a': the account key is not valid base64")]
    [InlineData("BlobEndpoint=ftp://x/;AccountName=a", "BlobEndpoint is not an http(s) URL")]
    [InlineData("UseDevelopmentStorage=false", "UseDevelopmentStorage must be 'true'")]
    [InlineData("AccountName", "a part is not 'Name=value'")]
    [InlineData("DefaultEndpointsProtocol=gopher;AccountName=a", "DefaultEndpointsProtocol must be http or https")]
    public void Bad_connection_strings_are_refused_without_echoing_their_values(string connectionString, string expected)
    {
        var e = Assert.ThrowsAny<ClusteringException>(() => AzureConnectionString.Parse(connectionString));
        Assert.EndsWith(expected, e.Message);
        Assert.DoesNotContain("not base64!!", e.Message);
        Assert.DoesNotContain("xyz", e.Message);
    }

    [Fact]
    public void Environment_connection_string_comes_first_then_account_with_key_or_SAS()
    {
        var env = new Dictionary<string, string>
        {
            ["AZURE_STORAGE_CONNECTION_STRING"] = "UseDevelopmentStorage=true",
            ["AZURE_STORAGE_ACCOUNT"] = "other",
            ["AZURE_STORAGE_KEY"] = Key,
        };
        Assert.Equal("devstoreaccount1", Chain(env.GetValueOrDefault).ConfiguredAccount()!.Name);

        env.Remove("AZURE_STORAGE_CONNECTION_STRING");
        var withKey = Chain(env.GetValueOrDefault).ConfiguredAccount()!;
        Assert.Equal("other", withKey.Name);
        Assert.Equal("https://other.blob.core.windows.net/", withKey.BlobEndpoint.ToString());
        Assert.IsType<SharedKeyCredential>(withKey.Credential);

        env.Remove("AZURE_STORAGE_KEY");
        env["AZURE_STORAGE_SAS_TOKEN"] = $"?sv=2021-12-02&sig={Sig}";
        Assert.IsType<SasCredential>(Chain(env.GetValueOrDefault).ConfiguredAccount()!.Credential);

        Assert.Null(Chain(_ => null).ConfiguredAccount());
    }

    [Fact]
    public void A_bad_environment_connection_string_names_the_variable_not_the_value()
    {
        var e = Assert.Throws<ClusteringException>(() =>
            Chain(n => n == "AZURE_STORAGE_CONNECTION_STRING" ? $"AccountKey={Key}" : null).ConfiguredAccount());
        Assert.StartsWith("AZURE_STORAGE_CONNECTION_STRING: ", e.Message);
        Assert.DoesNotContain(Key, e.Message);
    }

    private static AzureCredentialChain Chain(Func<string, string?> environment) => new(new StorageOptions { EnvironmentVariable = environment });
}
