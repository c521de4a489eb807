using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Clustering.Storage.Tests.Support;

/// <summary>
/// A small real HTTP/1.1 server on loopback that answers each request with the next scripted response (raw status
/// line and headers), recording when each request arrived. For the retry behaviour Azurite cannot be made to show
/// (503 with Retry-After, a persistent 500).
/// </summary>
public sealed class ScriptedHttpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<int, string, string?> _script;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<TimeSpan> _arrivals = [];

    /// <param name="script">Request index (0-based) → the response head, e.g. "HTTP/1.1 503 Busy\r\nRetry-After: 1";
    /// null: never answer (a hung server).</param>
    public ScriptedHttpServer(Func<int, string?> script) : this((index, _) => script(index)) { }

    /// <param name="script">(request index, request line and headers) → the response head; null: never answer.</param>
    public ScriptedHttpServer(Func<int, string, string?> script)
    {
        _script = script;
        _listener.Start();
        _loop = AcceptLoopAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public IReadOnlyList<TimeSpan> Arrivals { get { lock (_arrivals) return [.. _arrivals]; } }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (OperationCanceledException) { return; }
            catch (ObjectDisposedException) { return; }
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            var stream = client.GetStream();
            var buffer = new byte[64 * 1024];
            var pending = new StringBuilder();
            try
            {
                while (true)
                {
                    // Read one request head, then discard its body (Content-Length).
                    int end;
                    while ((end = pending.ToString().IndexOf("\r\n\r\n", StringComparison.Ordinal)) < 0)
                    {
                        var n = await stream.ReadAsync(buffer, _stop.Token);
                        if (n == 0) return;
                        pending.Append(Encoding.Latin1.GetString(buffer, 0, n));
                    }
                    var request = pending.ToString(0, end);
                    pending.Remove(0, end + 4);
                    var length = 0;
                    foreach (var line in request.Split("\r\n"))
                        if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase)) length = int.Parse(line[15..].Trim());
                    while (pending.Length < length)
                    {
                        var n = await stream.ReadAsync(buffer, _stop.Token);
                        if (n == 0) return;
                        pending.Append(Encoding.Latin1.GetString(buffer, 0, n));
                    }
                    pending.Remove(0, length);
                    int index;
                    lock (_arrivals)
                    {
                        index = _arrivals.Count;
                        _arrivals.Add(_clock.Elapsed);
                    }
                    var head = _script(index, request);
                    if (head is null)
                    {
                        await Task.Delay(Timeout.Infinite, _stop.Token);
                        return;
                    }
                    var response = head.TrimEnd('\r', '\n') + "\r\nContent-Length: 0\r\n\r\n";
                    await stream.WriteAsync(Encoding.Latin1.GetBytes(response), _stop.Token);
                }
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or SocketException) { }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _loop;
        _stop.Dispose();
    }
}
