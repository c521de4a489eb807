using System.Security.Cryptography;
using System.Text;

namespace Clustering.Serving;

/// <summary>What a request's Authorization header proved.</summary>
public enum TokenCheck
{
    Passed,
    Missing,
    Invalid,
}

/// <summary>
/// The one token rule of every API (a silo's, <c>embedctl serve</c>'s): with no token configured (allowed only on
/// loopback, see <see cref="ListenAddresses.RequireTokenUnlessLoopback"/>) every request passes; otherwise it needs
/// <c>Authorization: Bearer TOKEN</c>. The comparison is constant-time over SHA-256 digests, so neither the content
/// nor the length of the token leaks through timing; nothing of the header is ever logged.
/// </summary>
public sealed class BearerToken
{
    private readonly byte[]? _expectedDigest;

    public BearerToken(string? token) =>
        _expectedDigest = string.IsNullOrEmpty(token) ? null : SHA256.HashData(Encoding.UTF8.GetBytes(token));

    public bool Required => _expectedDigest is not null;

    /// <summary>Checks the Authorization header's values (Kestrel has already limited their length).</summary>
    public TokenCheck Check(IReadOnlyList<string?> authorization)
    {
        if (_expectedDigest is null) return TokenCheck.Passed;
        if (authorization.Count != 1 || authorization[0] is not { } value || !value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return TokenCheck.Missing;
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(value.AsSpan(7).Trim().ToString()), digest);
        return CryptographicOperations.FixedTimeEquals(digest, _expectedDigest) ? TokenCheck.Passed : TokenCheck.Invalid;
    }
}
