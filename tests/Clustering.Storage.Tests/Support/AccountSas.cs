using System.Security.Cryptography;
using System.Text;

namespace Clustering.Storage.Tests.Support;

/// <summary>
/// An account SAS for the Blob service (version 2020-12-06 and later string-to-sign), so tests can give the store a
/// token that Azurite validates against the account key. Azurite, not this code, is the judge of it.
/// </summary>
internal static class AccountSas
{
    public static string Create(string account, string base64Key, DateTimeOffset expiry, string permissions = "rwdlacup", string version = "2021-12-02")
    {
        var se = expiry.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
        const string services = "b", resourceTypes = "sco", protocol = "https,http";
        var stringToSign = string.Join("\n", account, permissions, services, resourceTypes, "", se, "", protocol, version, "", "");
        var sig = Convert.ToBase64String(HMACSHA256.HashData(Convert.FromBase64String(base64Key), Encoding.UTF8.GetBytes(stringToSign)));
        return $"sv={version}&ss={services}&srt={resourceTypes}&sp={permissions}&se={Uri.EscapeDataString(se)}&spr={Uri.EscapeDataString(protocol)}&sig={Uri.EscapeDataString(sig)}";
    }

    public static string SignatureOf(string sas) =>
        Uri.UnescapeDataString(sas.Split('&').Single(p => p.StartsWith("sig=", StringComparison.Ordinal))[4..]);
}
