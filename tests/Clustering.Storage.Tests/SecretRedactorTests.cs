using Clustering.Storage.Azure;

namespace Clustering.Storage.Tests;

public sealed class SecretRedactorTests
{
    [Theory]
    [InlineData("GET https://a.blob.core.windows.net/c/k?sv=2021-12-02&sig=abc%2Bdef%3D&se=x", "GET https://a.blob.core.windows.net/c/k?sv=2021-12-02&sig=REDACTED&se=x")]
    [InlineData("DefaultEndpointsProtocol=https;AccountName=a;AccountKey=Zm9v+YmFy==;EndpointSuffix=core.windows.net",
        "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=REDACTED;EndpointSuffix=core.windows.net")]
    [InlineData("Authorization: SharedKey devstoreaccount1:q1w2e3r4+/=", "Authorization: SharedKey devstoreaccount1:REDACTED")]
    [InlineData("SIG=UPPER&x=1", "SIG=REDACTED&x=1")]
    [InlineData("nothing secret here: design=1", "nothing secret here: design=1")]
    public void Credentials_are_masked_and_the_rest_kept(string text, string expected) =>
        Assert.Equal(expected, SecretRedactor.Redact(text));

    [Fact]
    public void Options_and_credentials_print_no_secret()
    {
        const string key = "c2VjcmV0LWtleS1mb3ItdGVzdHMtb25seS0wMTIzNDU2Nzg5YWJjZGVm";
        var options = new StorageOptions { ConnectionString = $"AccountName=a;AccountKey={key}" };
        Assert.DoesNotContain(key, options.ToString());
        Assert.DoesNotContain(key, new SharedKeyCredential("a", key).ToString());
        Assert.DoesNotContain("SECRET", new SasCredential("sv=1&sig=SECRET").ToString());
    }
}
