using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Clustering.Integration.Tests;

/// <summary>
/// Orleans ports for the silos tests start. embed-silo's defaults (silo 11111, gateway 30000) are every silo's: two
/// suites at once, a developer's own silo or anything else on a busy machine holding them would make a test's silo
/// fail to start, so every test silo takes free ones.
/// </summary>
internal static class SiloPorts
{
    public const int DefaultSilo = 11111;
    public const int DefaultGateway = 30000;

    /// <summary><c>--silo-port</c> and <c>--gateway-port</c> on free loopback ports.</summary>
    public static string[] FreeArgs() =>
    [
        "--silo-port", TemporaryPostgres.FreePort().ToString(CultureInfo.InvariantCulture),
        "--gateway-port", TemporaryPostgres.FreePort().ToString(CultureInfo.InvariantCulture),
    ];

    /// <summary>
    /// Holds Orleans' default ports on loopback until disposed, so a silo started meanwhile that still wanted them
    /// fails to start. A port already taken is left as it is: whoever has it holds it just as well.
    /// </summary>
    public static IDisposable HoldDefaults()
    {
        var held = new List<TcpListener>();
        foreach (var port in new[] { DefaultSilo, DefaultGateway })
        {
            var listener = new TcpListener(IPAddress.Loopback, port);
            try
            {
                listener.Start();
                held.Add(listener);
            }
            catch (SocketException)
            {
                listener.Dispose();
            }
        }
        return new Held(held);
    }

    private sealed class Held(List<TcpListener> listeners) : IDisposable
    {
        public void Dispose()
        {
            foreach (var listener in listeners) listener.Dispose();
        }
    }
}
