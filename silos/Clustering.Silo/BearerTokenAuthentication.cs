using System.Security.Cryptography;
using System.Text;
using Clustering.Client;
using Microsoft.AspNetCore.Http;

namespace Clustering.Silo;

/// <summary>
/// Bearer-token check for every API path except /healthz. With no token configured (allowed only on loopback)
/// every request passes. The comparison is constant-time over SHA-256 digests, so neither the content nor the length
/// of the token leaks through timing. Failures answer 401 with WWW-Authenticate and log nothing of the header.
/// </summary>
public sealed class BearerTokenAuthentication
{
    private readonly RequestDelegate _next;
    private readonly byte[]? _expectedDigest;

    public BearerTokenAuthentication(RequestDelegate next, SiloOptions options)
    {
        _next = next;
        _expectedDigest = string.IsNullOrEmpty(options.Token) ? null : SHA256.HashData(Encoding.UTF8.GetBytes(options.Token));
    }

    public Task InvokeAsync(HttpContext context)
    {
        if (_expectedDigest is null || context.Request.Path.Equals("/healthz", StringComparison.Ordinal))
            return _next(context);

        var header = context.Request.Headers.Authorization;
        if (header.Count != 1 || header[0] is not { } value || !value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return RefuseAsync(context, "Bearer realm=\"embed-silo\"", "a bearer token is required (Authorization: Bearer TOKEN)");

        var presented = value.AsSpan(7).Trim();
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        // Tokens are at most a few hundred bytes; longer headers were already limited by Kestrel.
        var bytes = Encoding.UTF8.GetBytes(presented.ToString());
        SHA256.HashData(bytes, digest);
        if (!CryptographicOperations.FixedTimeEquals(digest, _expectedDigest))
            return RefuseAsync(context, "Bearer realm=\"embed-silo\", error=\"invalid_token\"", "the bearer token is not valid");

        return _next(context);
    }

    private static Task RefuseAsync(HttpContext context, string challenge, string message)
    {
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers.WWWAuthenticate = challenge;
        return context.Response.WriteAsJsonAsync(new ApiError(message), ApiJson.Default.ApiError);
    }
}
