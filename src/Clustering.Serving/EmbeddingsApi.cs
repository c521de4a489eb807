using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;

namespace Clustering.Serving;

/// <summary>
/// OpenAI's embeddings API on any ASP.NET Core host: <c>POST /v1/embeddings</c>, <c>GET /v1/models</c>,
/// <c>GET /v1/models/{id}</c>. <c>embedctl serve</c> maps it over its one model; a silo over its workers' models.
/// The host puts its token rule in front (<see cref="BearerToken"/>).
/// </summary>
public static class EmbeddingsApi
{
    private static readonly long Created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    /// <summary>Messages quote inputs and names as they are (no \u0027 for an apostrophe); JSON stays valid.</summary>
    internal static readonly JsonWriterOptions JsonOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>True for the paths this API serves (their errors take OpenAI's shape).</summary>
    public static bool Owns(PathString path) =>
        path.StartsWithSegments("/v1/embeddings", StringComparison.Ordinal) || path.StartsWithSegments("/v1/models", StringComparison.Ordinal);

    public static IEndpointRouteBuilder MapEmbeddingsApi(this IEndpointRouteBuilder app, IOnlineModels models, ServingLimits limits, ServingMetrics metrics)
    {
        app.MapPost("/v1/embeddings", (HttpContext context) => EmbedAsync(context, models, limits, metrics));
        app.MapGet("/v1/models", async (HttpContext context) =>
        {
            var names = await models.NamesAsync(context.RequestAborted).ConfigureAwait(false);
            await WriteJsonAsync(context.Response, w =>
            {
                w.WriteStartObject();
                w.WriteString("object", "list");
                w.WriteStartArray("data");
                foreach (var name in names) WriteModel(w, name);
                w.WriteEndArray();
                w.WriteEndObject();
            }).ConfigureAwait(false);
        });
        app.MapGet("/v1/models/{**id}", async (HttpContext context, string id) =>
        {
            if (await models.FindAsync(id, context.RequestAborted).ConfigureAwait(false) is { } model)
                await WriteJsonAsync(context.Response, w => WriteModel(w, model.Name)).ConfigureAwait(false);
            else
                await OpenAiError.ModelNotFound(id).WriteAsync(context.Response).ConfigureAwait(false);
        });
        return app;
    }

    private static void WriteModel(Utf8JsonWriter w, string name)
    {
        w.WriteStartObject();
        w.WriteString("id", name);
        w.WriteString("object", "model");
        w.WriteNumber("created", Created);
        w.WriteString("owned_by", "clustering");
        w.WriteEndObject();
    }

    private static async Task EmbedAsync(HttpContext context, IOnlineModels models, ServingLimits limits, ServingMetrics metrics)
    {
        var started = Stopwatch.GetTimestamp();
        var label = "(unknown)"; // a served model's name once known: clients cannot add label values at will
        int status;
        var aborted = context.RequestAborted;
        try
        {
            var body = await ReadBodyAsync(context, limits.MaxRequestBytes, aborted).ConfigureAwait(false);
            var request = EmbeddingsRequestReader.Read(body.Span, limits);
            var model = await models.FindAsync(request.Model, aborted).ConfigureAwait(false) ?? throw new OpenAiErrorException(OpenAiError.ModelNotFound(request.Model));
            label = model.Name;
            var result = await model.EmbedAsync(request, aborted).ConfigureAwait(false);
            await WriteJsonAsync(context.Response, w => EmbeddingsResponseWriter.Write(w, request.Model, request.Format, result)).ConfigureAwait(false);
            status = StatusCodes.Status200OK;
        }
        catch (OpenAiErrorException e)
        {
            status = e.Error.Status;
            await e.Error.WriteAsync(context.Response, e.RetryAfter).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            status = 499; // the client went away; nothing to answer
        }
        catch (ClusteringException e)
        {
            // The device refused the work (e.g. one input that does not fit in its memory): say so, without a trace.
            status = StatusCodes.Status500InternalServerError;
            await OpenAiError.Internal(e.Message).WriteAsync(context.Response).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException && !context.Response.HasStarted)
        {
            // A device or backend failure: an OpenAI-shaped 500 with its one-line cause, not an empty response.
            status = StatusCodes.Status500InternalServerError;
            await OpenAiError.Internal($"{e.GetType().Name}: {e.Message}").WriteAsync(context.Response).ConfigureAwait(false);
        }
        metrics.Request(label, status, Stopwatch.GetElapsedTime(started));
    }

    /// <summary>The body, up to <paramref name="limit"/> bytes (413 beyond), whatever limit the host set for its other paths.</summary>
    private static async Task<ReadOnlyMemory<byte>> ReadBodyAsync(HttpContext context, long limit, CancellationToken cancellationToken)
    {
        if (context.Request.ContentLength > limit) throw new OpenAiErrorException(OpenAiError.TooLarge(limit));
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size) size.MaxRequestBodySize = limit + 1;
        var buffer = new MemoryStream(context.Request.ContentLength is long n ? (int)n : 4096);
        var chunk = new byte[16384];
        try
        {
            int read;
            while ((read = await context.Request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > limit) throw new OpenAiErrorException(OpenAiError.TooLarge(limit));
                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw new OpenAiErrorException(OpenAiError.TooLarge(limit));
        }
        return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }

    private static async Task WriteJsonAsync(HttpResponse response, Action<Utf8JsonWriter> write)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json";
        await using (var writer = new Utf8JsonWriter(response.BodyWriter, JsonOptions)) write(writer);
        await response.BodyWriter.FlushAsync().ConfigureAwait(false);
    }
}
