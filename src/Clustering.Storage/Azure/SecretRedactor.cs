using System.Text.RegularExpressions;

namespace Clustering.Storage.Azure;

/// <summary>
/// Removes credentials from text that may reach a log or an exception: the <c>sig=</c> of SAS tokens, the
/// <c>AccountKey=</c> and <c>SharedAccessSignature=</c> of connection strings, and SharedKey Authorization values.
/// </summary>
public static partial class SecretRedactor
{
    public const string Mask = "REDACTED";

    public static string Redact(string? text)
    {
        if (string.IsNullOrEmpty(text)) return text ?? "";
        text = SasSignature().Replace(text, "$1" + Mask);
        text = AccountKey().Replace(text, "$1" + Mask);
        text = SharedKeyAuthorization().Replace(text, "$1" + Mask);
        return text;
    }

    // sig=<base64, maybe URL-encoded>, in a query string or anywhere else.
    [GeneratedRegex(@"(?i)(\bsig=)[^&\s;'""<>]+")]
    private static partial Regex SasSignature();

    [GeneratedRegex(@"(?i)(\bAccountKey=)[^;\s'""<>]+")]
    private static partial Regex AccountKey();

    [GeneratedRegex(@"(?i)(\bSharedKey\s+[^:\s]+:)[^\s'""<>]+")]
    private static partial Regex SharedKeyAuthorization();
}
