using System.Diagnostics;
using System.Globalization;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;

namespace Clustering.Storage.Azure;

/// <summary>
/// The SDK pipeline's retry policy for one account (it replaces Azure.Core's): retries 408, 429, 500, 502, 503, 504,
/// connection failures and attempts that time out (<see cref="AzureRetryOptions.AttemptTimeout"/>, enforced by the
/// SDK's network timeout), with exponential backoff and equal jitter, honouring <c>x-ms-retry-after-ms</c>,
/// <c>retry-after-ms</c> and <c>Retry-After</c> (seconds or a date); stops after <see cref="AzureRetryOptions.MaxAttempts"/>
/// or when the next attempt would start after <see cref="AzureRetryOptions.Deadline"/>. Refusals no retry can cure
/// (401/403, a missing container, no Entra ID credential) and exhausted retries become <see cref="AzureStorageException"/>s
/// whose messages name the account and the operation. Reports every attempt as a <see cref="BlobStoreEvent"/>, free of secrets.
/// </summary>
internal sealed class AzureRetryPolicy(AzureBlobAccount account, StorageOptions options) : HttpPipelinePolicy
{
    private readonly CredentialScrubber _scrubber = new(account.Credential);

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        ProcessAsync(message, pipeline, async: false).AsTask().GetAwaiter().GetResult();

    public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        ProcessAsync(message, pipeline, async: true);

    private async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline, bool async)
    {
        var retry = options.Retry;
        var started = Stopwatch.StartNew();
        var operation = AzureOperation.Describe(message.Request, account);
        for (var attempt = 1; ; attempt++)
        {
            message.CancellationToken.ThrowIfCancellationRequested();
            string failure;
            int? status = null;
            string? code = null;
            TimeSpan? serverDelay = null;
            Exception? exception = null;
            var sent = Stopwatch.StartNew();
            try
            {
                if (async) await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
                else ProcessNext(message, pipeline);
            }
            catch (OperationCanceledException e) when (!message.CancellationToken.IsCancellationRequested)
            {
                exception = e;
            }
            catch (AuthenticationFailedException e)
            {
                var text = $"Azure Blob Storage: no Entra ID token for account '{account.Name}' while {operation} ({account.Credential.Kind}: " +
                           $"{FirstLine(e.Message)}); sign in (managed or workload identity, AZURE_CLIENT_ID/AZURE_TENANT_ID/..., az login) " +
                           $"or give a connection string, key or SAS";
                Emit(BlobStoreEventLevel.Error, operation, text, attempt, null, null);
                throw new AzureStorageException(_scrubber.Scrub(text), null, "NoCredential");
            }
            catch (Exception e) when (e is RequestFailedException { Status: 0 } or IOException or HttpRequestException)
            {
                exception = e;
            }

            if (exception is not null)
            {
                failure = exception is OperationCanceledException
                    ? $"no answer within {retry.AttemptTimeout.TotalSeconds:0.#} s"
                    : $"connection failed ({exception.GetBaseException().Message})";
                Emit(BlobStoreEventLevel.Warning, operation, $"{message.Request.Method} {Url(message)}: {failure} (attempt {attempt})", attempt, null, null);
            }
            else
            {
                var response = message.Response;
                status = response.Status;
                code = ErrorCodeOf(response);
                Emit(BlobStoreEventLevel.Debug, operation, $"{message.Request.Method} {Url(message)} -> {status} in {sent.ElapsedMilliseconds} ms (attempt {attempt})", attempt, status, null);
                if (!IsTransient(status.Value))
                {
                    ThrowIfFatal(message, operation, status.Value, code);
                    return;
                }
                failure = $"{status} {code ?? response.ReasonPhrase}";
                serverDelay = RetryAfterOf(response);
            }

            var delay = serverDelay ?? Backoff(attempt);
            if (attempt >= retry.MaxAttempts || started.Elapsed + delay > retry.Deadline)
            {
                var why = attempt >= retry.MaxAttempts ? $"after {attempt} attempts" : $"within the retry deadline of {retry.Deadline.TotalSeconds:0.#} s ({attempt} attempts)";
                var text = $"Azure Blob Storage request failed for account '{account.Name}' while {operation} {why}: {failure}";
                Emit(BlobStoreEventLevel.Error, operation, text, attempt, status, null);
                throw new AzureStorageException(_scrubber.Scrub(text), status, code, SafeInner(exception));
            }
            Emit(BlobStoreEventLevel.Warning, operation,
                $"retrying {operation} in {delay.TotalMilliseconds:0} ms after {failure} (attempt {attempt} of {retry.MaxAttempts})", attempt, status, delay);
            if (message.HasResponse) message.Response.ContentStream?.Dispose();
            if (async) await Task.Delay(delay, message.CancellationToken).ConfigureAwait(false);
            else message.CancellationToken.WaitHandle.WaitOne(delay);
        }
    }

    private void ThrowIfFatal(HttpMessage message, string operation, int status, string? code)
    {
        string text;
        if (status is 401 or 403)
        {
            var hint = account.Credential is TokenAuthCredential
                ? "check that the identity has a data role on the account (Storage Blob Data Reader or Contributor)"
                : "check the account key or SAS token";
            text = $"Azure Blob Storage authentication failed for account '{account.Name}' ({status} {code ?? "Forbidden"}) while {operation}; " +
                   $"{hint} ({account.Credential.Kind} was used)";
        }
        else if (code == "ContainerNotFound" && !(message.Request.Method == RequestMethod.Delete && AzureOperation.Target(message.Request, account).Blob is null))
        {
            // (Deleting a container that is not there is the caller's business: it asked "if it exists".)
            var container = AzureOperation.Target(message.Request, account).Container;
            text = $"Azure Blob Storage container '{container}' does not exist in account '{account.Name}' (404 ContainerNotFound) while {operation}";
        }
        else return;
        message.Response.ContentStream?.Dispose();
        Emit(BlobStoreEventLevel.Error, operation, text, 1, status, null);
        throw new AzureStorageException(_scrubber.Scrub(text), status, code);
    }

    internal static string? ErrorCodeOf(Response response) =>
        response.Headers.TryGetValue("x-ms-error-code", out var value) ? value : null;

    private static bool IsTransient(int status) => status is 408 or 429 or 500 or 502 or 503 or 504;

    private TimeSpan Backoff(int attempt)
    {
        var retry = options.Retry;
        var exponential = retry.BaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 30));
        var capped = Math.Min(exponential, retry.MaxDelay.TotalMilliseconds);
        // "Equal jitter": half fixed, half random, so that parallel block uploads do not retry in lockstep.
        return TimeSpan.FromMilliseconds(capped / 2 + Random.Shared.NextDouble() * capped / 2);
    }

    /// <summary>x-ms-retry-after-ms or retry-after-ms, else Retry-After in seconds or as an HTTP date; null when the server names no delay.</summary>
    internal static TimeSpan? RetryAfterOf(Response response)
    {
        foreach (var name in (ReadOnlySpan<string>)["x-ms-retry-after-ms", "retry-after-ms"])
            if (response.Headers.TryGetValue(name, out var ms) && long.TryParse(ms, NumberStyles.None, CultureInfo.InvariantCulture, out var millis))
                return TimeSpan.FromMilliseconds(millis);
        if (!response.Headers.TryGetValue("Retry-After", out var retryAfter)) return null;
        if (long.TryParse(retryAfter, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)) return TimeSpan.FromSeconds(seconds);
        if (DateTimeOffset.TryParse(retryAfter, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
        {
            var wait = date - DateTimeOffset.UtcNow;
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }
        return null;
    }

    private void Emit(BlobStoreEventLevel level, string operation, string text, int attempt, int? status, TimeSpan? delay)
    {
        if (options.Events is not { } sink) return;
        sink(new BlobStoreEvent(level, _scrubber.Scrub(operation), _scrubber.Scrub(text), attempt, status, delay));
    }

    private string Url(HttpMessage message) => _scrubber.Scrub(message.Request.Uri.ToString());

    internal static string FirstLine(string text)
    {
        var line = text.Split('\n')[0].Trim();
        return line.Length > 300 ? line[..300] + "..." : line;
    }

    /// <summary>The inner exception, unless its text carries a credential (then it is left out).</summary>
    private Exception? SafeInner(Exception? inner) =>
        inner is null || _scrubber.Scrub(inner.ToString()) != inner.ToString() ? null : inner;
}
