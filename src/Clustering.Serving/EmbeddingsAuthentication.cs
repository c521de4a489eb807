using Microsoft.AspNetCore.Http;

namespace Clustering.Serving;

/// <summary>
/// The token rule in front of a standalone server (<c>embedctl serve</c>): every path but /healthz needs the bearer
/// token when one is configured; failures answer 401 in OpenAI's shape with WWW-Authenticate.
/// </summary>
public sealed class EmbeddingsAuthentication(RequestDelegate next, BearerToken token)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (!token.Required || context.Request.Path.Equals("/healthz", StringComparison.Ordinal)) return next(context);
        var check = token.Check(context.Request.Headers.Authorization);
        if (check == TokenCheck.Passed) return next(context);
        context.Response.Headers.WWWAuthenticate = check == TokenCheck.Missing ? "Bearer realm=\"embedctl\"" : "Bearer realm=\"embedctl\", error=\"invalid_token\"";
        return (check == TokenCheck.Missing ? OpenAiError.MissingToken() : OpenAiError.WrongToken()).WriteAsync(context.Response);
    }
}
