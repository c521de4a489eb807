using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Clustering.Serving;

/// <summary>
/// An error in OpenAI's shape, <c>{"error":{"message","type","param","code"}}</c>, with its HTTP status, so the
/// official clients raise the matching exception (BadRequestError, AuthenticationError, NotFoundError,
/// RateLimitError...). Messages say what was wrong and where (the field, the input's index).
/// </summary>
public sealed record OpenAiError(int Status, string Message, string Type, string? Param, string? Code)
{
    public static OpenAiError Invalid(string message, string? param, string? code = null) =>
        new(StatusCodes.Status400BadRequest, message, "invalid_request_error", param, code);

    public static OpenAiError ModelNotFound(string model) =>
        new(StatusCodes.Status404NotFound, $"The model `{model}` does not exist or is not served here (GET /v1/models lists the models).",
            "invalid_request_error", "model", "model_not_found");

    public static OpenAiError MissingToken() =>
        new(StatusCodes.Status401Unauthorized, "You didn't provide an API key: send it as Authorization: Bearer TOKEN.", "invalid_request_error", null, "invalid_api_key");

    public static OpenAiError WrongToken() =>
        new(StatusCodes.Status401Unauthorized, "Incorrect API key provided.", "invalid_request_error", null, "invalid_api_key");

    public static OpenAiError TooLarge(long limit) =>
        new(StatusCodes.Status413PayloadTooLarge, $"The request body is larger than {limit} bytes.", "invalid_request_error", null, "request_too_large");

    public static OpenAiError Overloaded(string message) =>
        new(StatusCodes.Status429TooManyRequests, message, "rate_limit_error", null, "rate_limit_exceeded");

    public static OpenAiError Unavailable(string message) =>
        new(StatusCodes.Status503ServiceUnavailable, message, "server_error", null, "service_unavailable");

    public static OpenAiError Internal(string message) =>
        new(StatusCodes.Status500InternalServerError, message, "server_error", null, null);

    public void WriteTo(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteStartObject("error");
        writer.WriteString("message", Message);
        writer.WriteString("type", Type);
        if (Param is null) writer.WriteNull("param");
        else writer.WriteString("param", Param);
        if (Code is null) writer.WriteNull("code");
        else writer.WriteString("code", Code);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>Sends this error as the response (status, JSON body; Retry-After when given).</summary>
    public async Task WriteAsync(HttpResponse response, TimeSpan? retryAfter = null)
    {
        response.StatusCode = Status;
        response.ContentType = "application/json";
        if (retryAfter is { } wait)
            response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, EmbeddingsApi.JsonOptions)) WriteTo(writer);
        await response.Body.WriteAsync(buffer.WrittenMemory).ConfigureAwait(false);
    }
}

/// <summary>A request refused with an OpenAI-shaped error; thrown where a check fails deep in handling.</summary>
public sealed class OpenAiErrorException(OpenAiError error, TimeSpan? retryAfter = null) : Exception(error.Message)
{
    public OpenAiError Error { get; } = error;
    public TimeSpan? RetryAfter { get; } = retryAfter;
}
