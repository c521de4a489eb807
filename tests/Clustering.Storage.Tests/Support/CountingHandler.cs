namespace Clustering.Storage.Tests.Support;

/// <summary>Counts the requests that really go out (every attempt of every retry) over a real SocketsHttpHandler.</summary>
public sealed class CountingHandler() : DelegatingHandler(new SocketsHttpHandler())
{
    private int _count;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _requests = new();

    public int Count => Volatile.Read(ref _count);

    /// <summary>"METHOD path?query" of each request, in order.</summary>
    public IReadOnlyCollection<string> Requests => _requests;

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _count);
        _requests.Enqueue($"{request.Method} {request.RequestUri?.PathAndQuery}");
        return base.SendAsync(request, cancellationToken);
    }
}
