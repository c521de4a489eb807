using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Clustering.Client;

/// <summary>
/// Typed client for a silo's HTTP API (any silo answers for the whole cluster). Errors become
/// <see cref="ClusterApiException"/> with the silo's message; the bearer token is sent on every request and never
/// appears in a message.
/// </summary>
public sealed class ClusterClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;

    /// <param name="baseAddress">The silo, e.g. http://127.0.0.1:8080.</param>
    /// <param name="token">The cluster's bearer token; null when the silo listens on loopback without one.</param>
    /// <param name="http">A client to use (its handler and timeout); null: one of our own.</param>
    public ClusterClient(Uri baseAddress, string? token = null, HttpClient? http = null)
    {
        ArgumentNullException.ThrowIfNull(baseAddress);
        if (baseAddress.Scheme is not ("http" or "https"))
            throw new ClusteringException($"--cluster {baseAddress}: give an http:// or https:// address of a silo");
        _ownsHttp = http is null;
        _http = http ?? new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        BaseAddress = baseAddress.AbsoluteUri.EndsWith('/') ? baseAddress : new Uri(baseAddress.AbsoluteUri + "/");
        if (!string.IsNullOrEmpty(token)) Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    public Uri BaseAddress { get; }

    private AuthenticationHeaderValue? Authorization { get; }

    /// <summary>Per-request limit for the short calls (not the events stream).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Submits a job; the silo validates it, creates it pending and answers its id.</summary>
    public async Task<SubmittedJob> SubmitAsync(JobSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        using var content = new StringContent(spec.ToJson(), Encoding.UTF8, "application/json");
        return await SendAsync(HttpMethod.Post, "v1/jobs", content, ApiJson.Default.SubmittedJob, cancellationToken).ConfigureAwait(false);
    }

    public Task<JobView> GetJobAsync(string jobId, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, "v1/jobs/" + Escape(jobId), null, ApiJson.Default.JobView, cancellationToken);

    /// <summary>Jobs, newest first; <paramref name="state"/> filters (pending, running, succeeded...).</summary>
    public Task<IReadOnlyList<JobView>> ListJobsAsync(string? state = null, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, state is null ? "v1/jobs" : "v1/jobs?state=" + Uri.EscapeDataString(state), null,
            ApiJson.Default.IReadOnlyListJobView, cancellationToken);

    /// <summary>Cancels a job that has not ended; answers the job after the change.</summary>
    public Task<JobView> CancelJobAsync(string jobId, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, "v1/jobs/" + Escape(jobId) + "/cancel", null, ApiJson.Default.JobView, cancellationToken);

    public Task<IReadOnlyList<ShardView>> ListShardsAsync(string jobId, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, "v1/jobs/" + Escape(jobId) + "/shards", null, ApiJson.Default.IReadOnlyListShardView, cancellationToken);

    public Task<IReadOnlyList<WorkerView>> ListWorkersAsync(CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, "v1/workers", null, ApiJson.Default.IReadOnlyListWorkerView, cancellationToken);

    /// <summary>Creates a schedule; the silo checks the rule and the job spec and answers the schedule with its next run.</summary>
    public async Task<ScheduleView> CreateScheduleAsync(string id, string rule, JobSpec job, bool skipUnchanged = true, int keep = 0,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        using var spec = JsonDocument.Parse(job.ToJson());
        var body = JsonSerializer.Serialize(new NewSchedule(id, rule, spec.RootElement, skipUnchanged, keep), ApiJson.Default.NewSchedule);
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        return await SendAsync(HttpMethod.Post, "v1/schedules", content, ApiJson.Default.ScheduleView, cancellationToken).ConfigureAwait(false);
    }

    public Task<IReadOnlyList<ScheduleView>> ListSchedulesAsync(CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, "v1/schedules", null, ApiJson.Default.IReadOnlyListScheduleView, cancellationToken);

    public Task<ScheduleView> GetScheduleAsync(string id, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, "v1/schedules/" + Escape(id), null, ApiJson.Default.ScheduleView, cancellationToken);

    /// <summary>Deletes a schedule (a job it started runs on); answers the schedule as it was.</summary>
    public Task<ScheduleView> DeleteScheduleAsync(string id, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Delete, "v1/schedules/" + Escape(id), null, ApiJson.Default.ScheduleView, cancellationToken);

    /// <summary>Creates a stream job (or answers the one of that name when its definition is the same); the silo checks the source, spec and model.</summary>
    public async Task<StreamView> CreateStreamAsync(string name, string source, JobSpec job, int? windowDocs = null, double? windowSeconds = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        using var spec = JsonDocument.Parse(job.ToJson());
        var body = JsonSerializer.Serialize(new NewStream(name, source, spec.RootElement, windowDocs, windowSeconds), ApiJson.Default.NewStream);
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        return await SendAsync(HttpMethod.Post, "v1/streams", content, ApiJson.Default.StreamView, cancellationToken).ConfigureAwait(false);
    }

    public Task<IReadOnlyList<StreamView>> ListStreamsAsync(CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, "v1/streams", null, ApiJson.Default.IReadOnlyListStreamView, cancellationToken);

    public Task<StreamView> GetStreamAsync(string name, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, "v1/streams/" + Escape(name), null, ApiJson.Default.StreamView, cancellationToken);

    /// <summary>Stops committing windows; events keep being received and journaled until <see cref="ResumeStreamAsync"/>.</summary>
    public Task<StreamView> PauseStreamAsync(string name, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, "v1/streams/" + Escape(name) + "/pause", null, ApiJson.Default.StreamView, cancellationToken);

    public Task<StreamView> ResumeStreamAsync(string name, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, "v1/streams/" + Escape(name) + "/resume", null, ApiJson.Default.StreamView, cancellationToken);

    /// <summary>Deletes a stream job (its committed windows stay in its output).</summary>
    public Task<DeletedStream> DeleteStreamAsync(string name, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Delete, "v1/streams/" + Escape(name), null, ApiJson.Default.DeletedStream, cancellationToken);

    /// <summary>
    /// The job's events as they happen (server-sent events), from after <paramref name="afterId"/>. A dropped
    /// connection is resumed with Last-Event-ID, so no event is missed or repeated. Ends when the silo says the job
    /// has ended.
    /// </summary>
    public async IAsyncEnumerable<JobEventView> StreamEventsAsync(string jobId, long afterId = 0,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var lastId = afterId;
        var failuresInARow = 0;
        while (true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(BaseAddress, "v1/jobs/" + Escape(jobId) + "/events"));
            request.Headers.Authorization = Authorization;
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
            if (lastId > 0) request.Headers.Add("Last-Event-ID", lastId.ToString(System.Globalization.CultureInfo.InvariantCulture));
            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException e) when (++failuresInARow <= 5)
            {
                _ = e; // the silo may be restarting: wait and resume from the last event seen
                await Task.Delay(TimeSpan.FromSeconds(failuresInARow), cancellationToken).ConfigureAwait(false);
                continue;
            }
            catch (HttpRequestException e)
            {
                throw Unreachable("GET", "events of " + jobId, e);
            }

            using (response)
            {
                if (!response.IsSuccessStatusCode) throw await ErrorAsync(response, "GET", "v1/jobs/" + jobId + "/events").ConfigureAwait(false);
                using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
                var reader = new ServerSentEventReader(stream);
                var ended = false;
                while (true)
                {
                    ServerSentEvent? sse;
                    try { sse = await reader.ReadAsync(cancellationToken).ConfigureAwait(false); }
                    catch (Exception e) when (e is IOException or HttpRequestException) { sse = null; }
                    if (sse is null) break;
                    failuresInARow = 0;
                    if (sse.Event == "end") { ended = true; break; }
                    var ev = JsonSerializer.Deserialize(sse.Data, ApiJson.Default.JobEventView)
                             ?? throw new ClusterApiException($"{BaseAddress}: an event without data for job {jobId}");
                    lastId = ev.Id;
                    yield return ev;
                }
                if (ended) yield break;
            }
            if (++failuresInARow > 5) throw new ClusterApiException($"{BaseAddress}: the events stream of job {jobId} keeps closing");
            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<T> SendAsync<T>(HttpMethod method, string path, HttpContent? content, JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(BaseAddress, path)) { Content = content };
        request.Headers.Authorization = Authorization;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(RequestTimeout);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, timeout.Token).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw Unreachable(method.Method, path, e);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ClusterApiException($"{method} {new Uri(BaseAddress, path)}: no answer in {RequestTimeout.TotalSeconds:0} s", null, e);
        }
        using (response)
        {
            if (!response.IsSuccessStatusCode) throw await ErrorAsync(response, method.Method, path).ConfigureAwait(false);
            try
            {
                return await response.Content.ReadFromJsonAsync(type, cancellationToken).ConfigureAwait(false)
                       ?? throw new ClusterApiException($"{method} {new Uri(BaseAddress, path)}: empty answer");
            }
            catch (JsonException e)
            {
                throw new ClusterApiException($"{method} {new Uri(BaseAddress, path)}: the answer is not the API's JSON ({JsonErrorText.Reason(e)}); is this a silo?", response.StatusCode, e);
            }
        }
    }

    private ClusterApiException Unreachable(string method, string what, HttpRequestException e) =>
        new($"cannot reach the silo at {BaseAddress} ({method} {what}): {e.Message}", null, e);

    private async Task<ClusterApiException> ErrorAsync(HttpResponseMessage response, string method, string path)
    {
        string? detail = null;
        try
        {
            var text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
            if (text.Length > 0)
            {
                try { detail = JsonSerializer.Deserialize(text, ApiJson.Default.ApiError)?.Error; }
                catch (JsonException) { detail = text.Length > 300 ? text[..300] : text; }
            }
        }
        catch (HttpRequestException) { }
        var status = (int)response.StatusCode;
        var hint = response.StatusCode == HttpStatusCode.Unauthorized
            ? (Authorization is null ? " (the silo wants a token: give --token or set CLUSTERING_TOKEN)" : " (the token was refused)")
            : "";
        return new ClusterApiException($"{method} {new Uri(BaseAddress, path)}: {status} {response.ReasonPhrase}{(detail is null ? "" : ": " + detail)}{hint}", response.StatusCode);
    }

    private static string Escape(string jobId)
    {
        if (string.IsNullOrEmpty(jobId)) throw new ClusteringException("a job id is required");
        return Uri.EscapeDataString(jobId);
    }

    public void Dispose()
    {
        if (_ownsHttp) _http.Dispose();
    }
}
