using System.Text;

namespace Clustering.Storage.Azure;

/// <summary>
/// The Blob service's "Shared Key" authorization (service version 2009-09-19 and later):
/// <code>
/// StringToSign = VERB \n Content-Encoding \n Content-Language \n Content-Length (empty when 0) \n Content-MD5 \n
///                Content-Type \n Date \n If-Modified-Since \n If-Match \n If-None-Match \n If-Unmodified-Since \n Range \n
///                CanonicalizedHeaders CanonicalizedResource
/// CanonicalizedHeaders  = for each x-ms-* header, sorted by lower-cased name: name:value\n
/// CanonicalizedResource = /account/encoded-path, then for each query parameter, sorted by lower-cased name:
///                         \nname:value[,value...] (values decoded, sorted)
/// Authorization         = SharedKey account:Base64(HMAC-SHA256(key, UTF-8(StringToSign)))
/// </code>
/// Path-style emulator URLs keep the account in their path, so the resource reads /devstoreaccount1/devstoreaccount1/....
/// </summary>
public static class SharedKeySigner
{
    public static void Sign(HttpRequestMessage request, SharedKeyCredential credential)
    {
        var signature = credential.Sign(StringToSign(request, credential.AccountName));
        request.Headers.TryAddWithoutValidation("Authorization", $"SharedKey {credential.AccountName}:{signature}");
    }

    public static string StringToSign(HttpRequestMessage request, string accountName)
    {
        var content = request.Content?.Headers;
        var length = content?.ContentLength is { } n and > 0 ? n.ToString(System.Globalization.CultureInfo.InvariantCulture) : "";
        var md5 = content?.ContentMD5 is { } hash ? Convert.ToBase64String(hash) : "";
        var sb = new StringBuilder(256)
            .Append(request.Method.Method.ToUpperInvariant()).Append('\n')
            .Append(ContentHeader(request, "Content-Encoding")).Append('\n')
            .Append(ContentHeader(request, "Content-Language")).Append('\n')
            .Append(length).Append('\n')
            .Append(md5).Append('\n')
            .Append(ContentHeader(request, "Content-Type")).Append('\n')
            .Append(Header(request, "Date")).Append('\n')
            .Append(Header(request, "If-Modified-Since")).Append('\n')
            .Append(Header(request, "If-Match")).Append('\n')
            .Append(Header(request, "If-None-Match")).Append('\n')
            .Append(Header(request, "If-Unmodified-Since")).Append('\n')
            .Append(Header(request, "Range")).Append('\n');

        var msHeaders = request.Headers
            .Where(h => h.Key.StartsWith("x-ms-", StringComparison.OrdinalIgnoreCase))
            .Select(h => (Name: h.Key.ToLowerInvariant(), Value: string.Join(",", h.Value.Select(v => v.Trim()))))
            .OrderBy(h => h.Name, StringComparer.Ordinal);
        foreach (var (name, value) in msHeaders) sb.Append(name).Append(':').Append(value).Append('\n');

        var uri = request.RequestUri ?? throw new InvalidOperationException("request without URI");
        sb.Append('/').Append(accountName).Append(uri.AbsolutePath);
        var query = uri.Query.TrimStart('?');
        if (query.Length > 0)
        {
            var parameters = query.Split('&', StringSplitOptions.RemoveEmptyEntries)
                .Select(p => p.Split('=', 2))
                .Select(p => (Name: Uri.UnescapeDataString(p[0]).ToLowerInvariant(), Value: p.Length > 1 ? Uri.UnescapeDataString(p[1]) : ""))
                .GroupBy(p => p.Name, StringComparer.Ordinal)
                .OrderBy(g => g.Key, StringComparer.Ordinal);
            foreach (var group in parameters)
                sb.Append('\n').Append(group.Key).Append(':')
                  .Append(string.Join(",", group.Select(p => p.Value).Order(StringComparer.Ordinal)));
        }
        return sb.ToString();
    }

    private static string Header(HttpRequestMessage request, string name) =>
        request.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : "";

    private static string ContentHeader(HttpRequestMessage request, string name) =>
        request.Content is { } c && c.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : "";
}
