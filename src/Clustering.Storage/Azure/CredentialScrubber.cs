namespace Clustering.Storage.Azure;

/// <summary>Removes the secrets of one credential (its key, its SAS signature) and anything that looks like one from text.</summary>
internal sealed class CredentialScrubber
{
    private readonly string[] _secrets;

    public CredentialScrubber(AzureCredential credential) =>
        _secrets = credential switch
        {
            SharedKeyCredential k => [k.Base64Key],
            SasCredential s when s.Signature is { } sig => [sig, Uri.UnescapeDataString(sig)],
            _ => [],
        };

    public string Scrub(string text)
    {
        foreach (var secret in _secrets)
            if (secret.Length > 0) text = text.Replace(secret, SecretRedactor.Mask, StringComparison.Ordinal);
        return SecretRedactor.Redact(text);
    }
}
