using Clustering.Tests.Shared;

namespace Clustering.Integration.Tests;

/// <summary>
/// A network namespace joined to the host by a veth pair (host 10.200.N.1, inside 10.200.N.2, a /30). A process
/// started inside reaches the host only through that link, so taking the host end down cuts it off and bringing it
/// up reconnects it, while the process keeps running. Needs root and iproute2; <see cref="SkipReason"/> says when not.
/// Dispose deletes the link and the namespace; a <see cref="ServerReaper"/> does it if the test host dies first.
/// </summary>
public sealed class NetworkNamespace : IDisposable
{
    private ServerReaper? _reaper;

    private NetworkNamespace(string name, string hostLink, int subnet)
    {
        Name = name;
        HostLink = hostLink;
        HostAddress = $"10.200.{subnet}.1";
        InsideAddress = $"10.200.{subnet}.2";
    }

    public string Name { get; }
    public string HostLink { get; }
    public string HostAddress { get; }
    public string InsideAddress { get; }
    public string Cidr => HostAddress[..HostAddress.LastIndexOf('.')] + ".0/30";

    public static string? SkipReason =>
        Environment.UserName != "root" ? "network namespace tests need root (ip netns)"
        : !File.Exists("/usr/sbin/ip") && !File.Exists("/sbin/ip") && !File.Exists("/usr/bin/ip") ? "iproute2 (ip) is not installed"
        : null;

    public static NetworkNamespace Create()
    {
        var id = Random.Shared.Next(1000, 9999);
        var subnet = Random.Shared.Next(1, 250);
        var ns = new NetworkNamespace($"clit{id}", $"vh{id}", subnet);
        try
        {
            ns._reaper = ServerReaper.Watch($"ip link del {ns.HostLink}; ip netns del {ns.Name}");
            Ip("netns", "add", ns.Name);
            Ip("link", "add", ns.HostLink, "type", "veth", "peer", "name", $"vn{id}");
            Ip("link", "set", $"vn{id}", "netns", ns.Name);
            Ip("addr", "add", ns.HostAddress + "/30", "dev", ns.HostLink);
            Ip("link", "set", ns.HostLink, "up");
            Ip("netns", "exec", ns.Name, "ip", "addr", "add", ns.InsideAddress + "/30", "dev", $"vn{id}");
            Ip("netns", "exec", ns.Name, "ip", "link", "set", $"vn{id}", "up");
            Ip("netns", "exec", ns.Name, "ip", "link", "set", "lo", "up");
            return ns;
        }
        catch
        {
            ns.Dispose();
            throw;
        }
    }

    /// <summary>Cuts the namespace off (the host end of the link goes down).</summary>
    public void Cut() => Ip("link", "set", HostLink, "down");

    public void Reconnect() => Ip("link", "set", HostLink, "up");

    internal static void Ip(params string[] args) => TemporaryPostgres.Exec("ip", args);

    public void Dispose()
    {
        try { Ip("link", "del", HostLink); } catch (InvalidOperationException) { }
        try { Ip("netns", "del", Name); } catch (InvalidOperationException) { }
        _reaper?.Dispose();
    }
}
