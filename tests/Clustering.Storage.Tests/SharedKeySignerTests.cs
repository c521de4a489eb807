using Clustering.Storage.Azure;

namespace Clustering.Storage.Tests;

/// <summary>
/// The string-to-sign, field by field as the "Authorize with Shared Key" page lays it out. Azurite accepting every
/// request of the other tests is the end-to-end proof; this pins the format where a mistake would only show as a 403.
/// </summary>
public sealed class SharedKeySignerTests
{
    [Fact]
    public void String_to_sign_has_the_standard_headers_then_sorted_ms_headers_then_the_resource_with_sorted_decoded_query()
    {
        var request = new HttpRequestMessage(HttpMethod.Put,
            "http://127.0.0.1:10000/devstoreaccount1/jobs/a%20b/blob.bin?comp=block&blockid=AAEC%2BA%3D%3D");
        request.Headers.TryAddWithoutValidation("x-ms-version", "2021-12-02");
        request.Headers.TryAddWithoutValidation("x-ms-date", "Sun, 22 Nov 2026 10:00:00 GMT");
        request.Headers.TryAddWithoutValidation("X-MS-Meta-Owner", "  coordinator-1 ");
        request.Headers.TryAddWithoutValidation("If-None-Match", "*");
        request.Content = new ByteArrayContent(new byte[5]);
        request.Content.Headers.ContentMD5 = [1, 2, 3];

        Assert.Equal(
            "PUT\n\n\n5\nAQID\n\n\n\n\n*\n\n\n" +
            "x-ms-date:Sun, 22 Nov 2026 10:00:00 GMT\nx-ms-meta-owner:coordinator-1\nx-ms-version:2021-12-02\n" +
            "/devstoreaccount1/devstoreaccount1/jobs/a%20b/blob.bin\nblockid:AAEC+A==\ncomp:block",
            SharedKeySigner.StringToSign(request, "devstoreaccount1"));
    }

    [Fact]
    public void An_empty_body_signs_an_empty_content_length()
    {
        var request = new HttpRequestMessage(HttpMethod.Put, "https://acme.blob.core.windows.net/jobs?restype=container")
        {
            Content = new ByteArrayContent([]),
        };
        Assert.StartsWith("PUT\n\n\n\n", SharedKeySigner.StringToSign(request, "acme"));
        Assert.EndsWith("\n/acme/jobs\nrestype:container", SharedKeySigner.StringToSign(request, "acme"));
    }
}
