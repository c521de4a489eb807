using Clustering.Client;
using Clustering.Serving;
using Microsoft.AspNetCore.Http;

namespace Clustering.Silo;

/// <summary>
/// The token rule (<see cref="BearerToken"/>) on every API path except /healthz. Failures answer 401 with
/// WWW-Authenticate: in OpenAI's error shape on the OpenAI paths (/v1/embeddings, /v1/models), so its clients raise
/// their AuthenticationError, and in the silo API's shape elsewhere.
/// </summary>
public sealed class BearerTokenAuthentication(RequestDelegate next, SiloOptions options)
{
    private readonly BearerToken _token = new(options.Token);

    public Task InvokeAsync(HttpContext context)
    {
        if (!_token.Required || context.Request.Path.Equals("/healthz", StringComparison.Ordinal))
            return next(context);
        return _token.Check(context.Request.Headers.Authorization) switch
        {
            TokenCheck.Passed => next(context),
            TokenCheck.Missing => RefuseAsync(context, "Bearer realm=\"embed-silo\"", "a bearer token is required (Authorization: Bearer TOKEN)", OpenAiError.MissingToken()),
            _ => RefuseAsync(context, "Bearer realm=\"embed-silo\", error=\"invalid_token\"", "the bearer token is not valid", OpenAiError.WrongToken()),
        };
    }

    private static Task RefuseAsync(HttpContext context, string challenge, string message, OpenAiError openAi)
    {
        context.Response.Headers.WWWAuthenticate = challenge;
        if (EmbeddingsApi.Owns(context.Request.Path)) return openAi.WriteAsync(context.Response);
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        return context.Response.WriteAsJsonAsync(new ApiError(message), ApiJson.Default.ApiError);
    }
}
