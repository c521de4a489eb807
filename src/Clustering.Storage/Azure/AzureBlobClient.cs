using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Xml;

namespace Clustering.Storage.Azure;

/// <summary>
/// Sends Blob service requests for one account: builds the URL, authorizes (SharedKey or SAS), retries transient
/// failures with exponential backoff and jitter (honouring Retry-After and x-ms-retry-after-ms), bounds each attempt
/// and all attempts together, and turns refusals that no retry can cure (403, a missing container) into messages
/// that name the account and the operation. Everything it reports is scrubbed of credentials.
/// </summary>
internal sealed class AzureBlobClient
{
    private static readonly Lazy<HttpClient> SharedHttp = new(() => new HttpClient(new SocketsHttpHandler
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60),
        ConnectTimeout = TimeSpan.FromSeconds(15),
        MaxConnectionsPerServer = 64,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
    }) { Timeout = Timeout.InfiniteTimeSpan });

    private readonly HttpClient _http;
    private readonly StorageOptions _options;
    private readonly string[] _secrets;

    public AzureBlobClient(AzureBlobAccount account, StorageOptions options)
    {
        Account = account;
        _options = options;
        _http = options.HttpHandler is { } handler
            ? new HttpClient(handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan }
            : SharedHttp.Value;
        _secrets = account.Credential switch
        {
            SharedKeyCredential k => [k.Base64Key],
            SasCredential s when s.Signature is { } sig => [sig, Uri.UnescapeDataString(sig)],
            _ => [],
        };
    }

    public AzureBlobAccount Account { get; }

    public StorageOptions Options => _options;

    /// <summary>The URL of a container or blob, without credentials; blob names are escaped segment by segment.</summary>
    public string UrlOf(string container, string? blob)
    {
        var sb = new StringBuilder(Account.BlobEndpoint.AbsoluteUri.TrimEnd('/')).Append('/').Append(Uri.EscapeDataString(container));
        if (blob is not null)
            foreach (var segment in blob.Split('/'))
                sb.Append('/').Append(Uri.EscapeDataString(segment));
        return sb.ToString();
    }

    /// <summary>
    /// Sends <paramref name="request"/> until it gets an answer that is not transient. Returns that response (2xx or an
    /// error the caller interprets); throws for authentication failures, a missing container and exhausted retries.
    /// </summary>
    public async Task<HttpResponseMessage> SendAsync(AzureRequest request, CancellationToken cancellationToken)
    {
        var retry = _options.Retry;
        var started = Stopwatch.StartNew();
        string lastFailure = "";
        int? lastStatus = null;
        string? lastCode = null;
        Exception? lastException = null;
        for (var attempt = 1; ; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            TimeSpan? serverDelay = null;
            using (var attemptCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                attemptCts.CancelAfter(retry.AttemptTimeout);
                using var message = Build(request);
                var sent = Stopwatch.StartNew();
                HttpResponseMessage? response = null;
                try
                {
                    response = await _http.SendAsync(message,
                        request.StreamResponse ? HttpCompletionOption.ResponseHeadersRead : HttpCompletionOption.ResponseContentRead,
                        attemptCts.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
                {
                    lastFailure = $"no answer within {retry.AttemptTimeout.TotalSeconds:0.#} s";
                    lastException = e;
                }
                catch (Exception e) when (e is HttpRequestException or IOException)
                {
                    lastFailure = $"connection failed ({e.GetBaseException().Message})";
                    lastException = e;
                }

                if (response is null)
                {
                    lastStatus = null;
                    lastCode = null;
                    request.EarlierAttemptUncertain |= request.Method != HttpMethod.Get && request.Method != HttpMethod.Head;
                    Emit(BlobStoreEventLevel.Warning, request, $"{request.Method} {RedactedUrl(message)}: {lastFailure} (attempt {attempt})", attempt, null, null);
                }
                else
                {
                    var status = (int)response.StatusCode;
                    Emit(BlobStoreEventLevel.Debug, request,
                        $"{request.Method} {RedactedUrl(message)} -> {status} in {sent.ElapsedMilliseconds} ms (attempt {attempt})", attempt, status, null);
                    if (!IsTransient(status))
                    {
                        if (status is 403 or 404) ThrowIfFatal(response, request);
                        return response;
                    }
                    lastStatus = status;
                    lastCode = ErrorCodeOf(response);
                    lastFailure = $"{status} {lastCode ?? response.ReasonPhrase}";
                    lastException = null;
                    serverDelay = RetryAfterOf(response);
                    // A 500 or a gateway timeout may come after the service applied the change.
                    request.EarlierAttemptUncertain |= status is 500 or 504 or 408 && request.Method != HttpMethod.Get && request.Method != HttpMethod.Head;
                    response.Dispose();
                }
            }

            var delay = serverDelay ?? Backoff(attempt);
            if (attempt >= retry.MaxAttempts || started.Elapsed + delay > retry.Deadline)
            {
                var why = attempt >= retry.MaxAttempts ? $"after {attempt} attempts" : $"within the retry deadline of {retry.Deadline.TotalSeconds:0.#} s ({attempt} attempts)";
                var text = $"Azure Blob Storage request failed for account '{Account.Name}' while {request.Operation} {why}: {lastFailure}";
                Emit(BlobStoreEventLevel.Error, request, text, attempt, lastStatus, null);
                throw new AzureStorageException(Scrub(text), lastStatus, lastCode, SafeInner(lastException));
            }
            Emit(BlobStoreEventLevel.Warning, request,
                $"retrying {request.Operation} in {delay.TotalMilliseconds:0} ms after {lastFailure} (attempt {attempt} of {retry.MaxAttempts})", attempt, lastStatus, delay);
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Throws the error a non-success response stands for, with the service's code and message.</summary>
    public async Task<Exception> ErrorAsync(HttpResponseMessage response, AzureRequest request)
    {
        var (code, serviceMessage) = await ReadErrorAsync(response).ConfigureAwait(false);
        var status = (int)response.StatusCode;
        var text = $"Azure Blob Storage refused {request.Operation} in account '{Account.Name}' ({status} {code ?? response.ReasonPhrase})"
                   + (serviceMessage is null ? "" : $": {FirstLine(serviceMessage)}");
        return new AzureStorageException(Scrub(text), status, code);
    }

    public static string? ErrorCodeOf(HttpResponseMessage response) =>
        response.Headers.TryGetValues("x-ms-error-code", out var values) ? values.FirstOrDefault() : null;

    /// <summary>Removes every credential this client knows of, and anything that looks like one.</summary>
    public string Scrub(string text)
    {
        foreach (var secret in _secrets)
            if (secret.Length > 0) text = text.Replace(secret, SecretRedactor.Mask, StringComparison.Ordinal);
        return SecretRedactor.Redact(text);
    }

    public void Emit(BlobStoreEventLevel level, AzureRequest request, string message, int attempt, int? status, TimeSpan? delay)
    {
        if (_options.Events is not { } sink) return;
        sink(new BlobStoreEvent(level, Scrub(request.Operation), Scrub(message), attempt, status, delay));
    }

    private HttpRequestMessage Build(AzureRequest request)
    {
        var url = new StringBuilder(UrlOf(request.Container, request.Blob));
        var separator = '?';
        foreach (var (name, value) in request.Query)
        {
            url.Append(separator).Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value));
            separator = '&';
        }
        if (Account.Credential is SasCredential sas) url.Append(separator).Append(sas.Token);

        var message = new HttpRequestMessage(request.Method, new Uri(url.ToString()));
        message.Headers.TryAddWithoutValidation("x-ms-version", _options.ApiVersion);
        message.Headers.TryAddWithoutValidation("x-ms-date", DateTime.UtcNow.ToString("R", CultureInfo.InvariantCulture));
        message.Headers.TryAddWithoutValidation("x-ms-client-request-id", Guid.NewGuid().ToString());
        foreach (var (name, value) in request.Headers) message.Headers.TryAddWithoutValidation(name, value);
        if (request.Body is { } body)
        {
            message.Content = new ReadOnlyMemoryContent(body);
            message.Content.Headers.ContentLength = body.Length;
            if (request.BodyMd5 is { } md5) message.Content.Headers.ContentMD5 = md5;
        }
        else if (request.Method == HttpMethod.Put)
        {
            message.Content = new ByteArrayContent([]);
            message.Content.Headers.ContentLength = 0;
        }
        if (Account.Credential is SharedKeyCredential key) SharedKeySigner.Sign(message, key);
        return message;
    }

    private static bool IsTransient(int status) => status is 408 or 429 or 500 or 502 or 503 or 504;

    private TimeSpan Backoff(int attempt)
    {
        var retry = _options.Retry;
        var exponential = retry.BaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 30));
        var capped = Math.Min(exponential, retry.MaxDelay.TotalMilliseconds);
        // "Equal jitter": half fixed, half random, so that parallel block uploads do not retry in lockstep.
        return TimeSpan.FromMilliseconds(capped / 2 + Random.Shared.NextDouble() * capped / 2);
    }

    /// <summary>x-ms-retry-after-ms, else Retry-After in seconds or as an HTTP date; null when the server names no delay.</summary>
    internal static TimeSpan? RetryAfterOf(HttpResponseMessage response)
    {
        if (response.Headers.TryGetValues("x-ms-retry-after-ms", out var ms)
            && long.TryParse(ms.FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var millis))
            return TimeSpan.FromMilliseconds(millis);
        if (response.Headers.RetryAfter is { } retryAfter)
        {
            if (retryAfter.Delta is { } delta) return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
            if (retryAfter.Date is { } date)
            {
                var wait = date - DateTimeOffset.UtcNow;
                return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
            }
        }
        return null;
    }

    private void ThrowIfFatal(HttpResponseMessage response, AzureRequest request)
    {
        var status = (int)response.StatusCode;
        var code = ErrorCodeOf(response);
        if (status == 403)
        {
            response.Dispose();
            var text = $"Azure Blob Storage authentication failed for account '{Account.Name}' (403 {code ?? "Forbidden"}) while {request.Operation}; " +
                       $"check the account key or SAS token ({Account.Credential.Kind} was used)";
            Emit(BlobStoreEventLevel.Error, request, text, 1, status, null);
            throw new AzureStorageException(Scrub(text), status, code);
        }
        if (code == "ContainerNotFound")
        {
            response.Dispose();
            var text = $"Azure Blob Storage container '{request.Container}' does not exist in account '{Account.Name}' (404 ContainerNotFound) while {request.Operation}";
            Emit(BlobStoreEventLevel.Error, request, text, 1, status, null);
            throw new AzureStorageException(Scrub(text), status, code);
        }
    }

    private static async Task<(string? Code, string? Message)> ReadErrorAsync(HttpResponseMessage response)
    {
        var code = ErrorCodeOf(response);
        string? message = null;
        try
        {
            var body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
            if (body.Length is > 0 and < 65536 && body.Contains("<Error", StringComparison.Ordinal))
            {
                using var reader = XmlReader.Create(new StringReader(body), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit });
                while (reader.Read())
                {
                    if (reader.NodeType != XmlNodeType.Element) continue;
                    if (reader.LocalName == "Code") code ??= reader.ReadElementContentAsString();
                    else if (reader.LocalName == "Message") message = reader.ReadElementContentAsString();
                }
            }
        }
        catch (Exception e) when (e is XmlException or IOException or HttpRequestException)
        {
            // The status and code already say enough; a body we cannot read adds nothing.
        }
        return (code, message);
    }

    private static string FirstLine(string text)
    {
        var line = text.Split('\n')[0].Trim();
        return line.Length > 300 ? line[..300] + "..." : line;
    }

    private string RedactedUrl(HttpRequestMessage message) => Scrub(message.RequestUri?.ToString() ?? "");

    /// <summary>The inner exception, unless its text carries a credential (then it is left out).</summary>
    private Exception? SafeInner(Exception? inner) =>
        inner is null || Scrub(inner.ToString()) != inner.ToString() ? null : inner;
}
