using Clustering.Tests.Shared;

namespace Clustering.Integration.Tests;

/// <summary>
/// A small LAN of network namespaces: a bridge on the host (10.201.S.1/24, where the host's servers such as PostgreSQL
/// are reached) and one namespace per machine joined to it by a veth pair (10.201.S.2, .3, ...). Machines reach each
/// other and the host on their own addresses, never over loopback, as separate hosts would. Needs what
/// <see cref="NetworkNamespace"/> needs (its SkipReason). Dispose deletes the namespaces (their veth pairs go with
/// them) and the bridge; a <see cref="ServerReaper"/> does it if the test host dies first.
/// </summary>
public sealed class VirtualLan : IDisposable
{
    private readonly string _bridge;
    private readonly List<string> _namespaces = [];
    private readonly List<string> _hostLinks = [];
    private ServerReaper? _reaper;

    private VirtualLan(int id, int subnet)
    {
        _bridge = $"cb{id}";
        Prefix = $"10.201.{subnet}.";
    }

    private string Prefix { get; }

    /// <summary>The host's address on the LAN.</summary>
    public string HostAddress => Prefix + "1";

    public string Cidr => Prefix + "0/24";

    /// <summary>The machines: their namespace and address.</summary>
    public IReadOnlyList<(string Namespace, string Address)> Machines => _namespaces.Select((n, i) => (n, Prefix + (i + 2))).ToArray();

    public static VirtualLan Create(int machines)
    {
        var id = Random.Shared.Next(1000, 9999);
        var lan = new VirtualLan(id, Random.Shared.Next(1, 250));
        try
        {
            var names = Enumerable.Range(0, machines).Select(i => $"clan{id}-{i}").ToArray();
            lan._reaper = ServerReaper.Watch(string.Concat(names.Select(n => $"ip netns del {n}; ")) + $"ip link del {lan._bridge}");
            Ip("link", "add", lan._bridge, "type", "bridge");
            Ip("addr", "add", lan.HostAddress + "/24", "dev", lan._bridge);
            Ip("link", "set", lan._bridge, "up");
            for (var i = 0; i < machines; i++)
            {
                string name = names[i], outside = $"cv{id}h{i}", inside = $"cv{id}n{i}";
                Ip("netns", "add", name);
                lan._namespaces.Add(name);
                Ip("link", "add", outside, "type", "veth", "peer", "name", inside);
                lan._hostLinks.Add(outside);
                Ip("link", "set", inside, "netns", name);
                Ip("link", "set", outside, "master", lan._bridge);
                Ip("link", "set", outside, "up");
                Ip("netns", "exec", name, "ip", "addr", "add", $"{lan.Prefix}{i + 2}/24", "dev", inside);
                Ip("netns", "exec", name, "ip", "link", "set", inside, "up");
                Ip("netns", "exec", name, "ip", "link", "set", "lo", "up");
            }
            return lan;
        }
        catch
        {
            lan.Dispose();
            throw;
        }
    }

    private static void Ip(params string[] args) => NetworkNamespace.Ip(args);

    public void Dispose()
    {
        // A namespace's end of a veth pair is destroyed with it, and the host's end with its peer; a pair whose end
        // never reached its namespace (a failed start) is deleted by its host end.
        foreach (var name in _namespaces)
            try { Ip("netns", "del", name); } catch (InvalidOperationException) { }
        foreach (var link in _hostLinks)
            try { Ip("link", "del", link); } catch (InvalidOperationException) { /* gone with its namespace */ }
        try { Ip("link", "del", _bridge); } catch (InvalidOperationException) { }
        _reaper?.Dispose();
    }
}
