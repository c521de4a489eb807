using System.Net;
using Clustering.Silo;
using YamlDotNet.RepresentationModel;

namespace Clustering.Integration.Tests.Deploy;

/// <summary>
/// deploy/compose/compose.yaml against the silo: every silo service's command and CLUSTERING_* variables are ones
/// embed-silo accepts; its silo and gateway ports are exposed and its API port is the one published and health-checked;
/// its --cluster-address is its fixed address on the cluster network; secrets come from .env; the stop grace covers the
/// silo's stop timeout; GPU silos (--devices cuda) and only they reserve GPUs; all silos form one cluster.
/// </summary>
internal static class ComposeChecks
{
    public static List<string> Check(string text)
    {
        var problems = new List<string>();
        var root = Yaml.Documents(text).Single();
        var silos = new List<(string Name, SiloOptions Options, string RawStore)>();
        foreach (var (name, service) in root.Entries("services"))
        {
            var where = $"compose.yaml services.{name}";
            CheckNoLiteralSecrets(where, service, problems);
            if (!IsSilo(service)) continue;
            var environment = service.Entries("environment").ToDictionary(e => e.Key, e => ((YamlScalarNode)e.Value).Value ?? "");
            foreach (var secret in SiloSettings.Secrets)
            {
                if (!environment.TryGetValue(SiloConfigurationVariable(secret), out var value)) continue;
                var hidden = secret == nameof(SiloOptions.Store) ? SiloSettings.StorePassword(value) : value;
                if (hidden is not null && !SiloSettings.IsInterpolation(hidden))
                    problems.Add($"{where}: {SiloConfigurationVariable(secret)} has a literal secret; take it from .env as ${{NAME}}");
            }
            var options = SiloSettings.Bind(where, service.Strings("command"),
                environment.ToDictionary(e => e.Key, e => SiloSettings.Interpolate(e.Value)), problems);
            if (options is null) continue;
            silos.Add((name, options, environment.GetValueOrDefault(SiloConfigurationVariable(nameof(SiloOptions.Store)), options.Store)));
            CheckPorts(where, service, options, problems);
            CheckClusterAddress(where, root, service, options, problems);
            CheckGrace(where, service, options, problems);
            CheckGpu(where, service, options, problems);
        }
        if (silos.Count < 2) problems.Add($"compose.yaml: {silos.Count} silo service(s); a cluster needs two");
        if (silos.Select(s => s.Options.ClusterId).Distinct().Count() > 1 || silos.Select(s => s.RawStore).Distinct().Count() > 1)
            problems.Add("compose.yaml: the silos differ in --cluster-id or store, so they would not form one cluster: " +
                string.Join(", ", silos.Select(s => $"{s.Name} ({s.Options.ClusterId})")));
        foreach (var same in silos.GroupBy(s => s.Options.ClusterAddress).Where(g => g.Count() > 1))
            problems.Add($"compose.yaml: {string.Join(" and ", same.Select(s => s.Name))} share --cluster-address {same.Key}");
        if (!silos.Any(s => s.Options.Devices.StartsWith("cuda", StringComparison.Ordinal)) || !silos.Any(s => s.Options.Devices == "cpu"))
            problems.Add("compose.yaml: offer CPU silos and a GPU silo (--devices cuda) beside them");
        return problems;
    }

    private static string SiloConfigurationVariable(string setting) => SiloConfiguration.EnvironmentPrefix + setting.ToUpperInvariant();

    /// <summary>A service built from deploy/docker/Dockerfile or running an embed-silo image.</summary>
    private static bool IsSilo(YamlNode service) =>
        service.Text("build", "dockerfile") == "deploy/docker/Dockerfile" || (service.Text("image") ?? "").StartsWith("embed-silo", StringComparison.Ordinal);

    /// <summary>Any variable named like a secret (the database's password too) must come from .env.</summary>
    private static void CheckNoLiteralSecrets(string where, YamlNode service, List<string> problems)
    {
        foreach (var (name, value) in service.Entries("environment"))
            if ((name.Contains("PASSWORD", StringComparison.Ordinal) || name.Contains("TOKEN", StringComparison.Ordinal) || name.Contains("SECRET", StringComparison.Ordinal))
                && !SiloSettings.IsInterpolation(((YamlScalarNode)value).Value ?? ""))
                problems.Add($"{where}: {name} is a literal secret; take it from .env as ${{NAME}}");
    }

    private static void CheckPorts(string where, YamlNode service, SiloOptions options, List<string> problems)
    {
        var exposed = service.Strings("expose");
        foreach (var (what, port) in new[] { ("silo port", options.SiloPort), ("gateway port", options.GatewayPort) })
            if (!exposed.Contains(port.ToString(System.Globalization.CultureInfo.InvariantCulture)))
                problems.Add($"{where}: {what} {port} is not in expose: [{string.Join(", ", exposed)}]");
        var api = SiloSettings.ApiPort(options);
        foreach (var published in service.Strings("ports"))
        {
            // HOST_IP:HOST_PORT:CONTAINER_PORT: the API only, on the host's loopback (the token travels in clear HTTP).
            var parts = published.Split(':');
            if (parts.Length != 3 || !IPAddress.TryParse(parts[0], out var ip) || !IPAddress.IsLoopback(ip) || parts[2] != api.ToString(System.Globalization.CultureInfo.InvariantCulture))
                problems.Add($"{where}: ports entry '{published}' should publish the API port {api} on 127.0.0.1 only");
        }
        var check = string.Join(' ', service.Strings("healthcheck", "test"));
        if (!check.Contains($"/dev/tcp/127.0.0.1/{api} ", StringComparison.Ordinal) || !check.Contains("GET /healthz ", StringComparison.Ordinal))
            problems.Add($"{where}: healthcheck should GET /healthz on the API port {api}: {check}");
    }

    /// <summary>--cluster-address must be an IP, so each silo has a fixed one on a network with a fixed subnet.</summary>
    private static void CheckClusterAddress(string where, YamlNode root, YamlNode service, SiloOptions options, List<string> problems)
    {
        var networks = service.Entries("networks").ToList();
        var fixedAddress = networks.Select(n => (n.Key, Address: n.Value.Text("ipv4_address"))).FirstOrDefault(n => n.Address is not null);
        if (fixedAddress.Address is null || options.ClusterAddress != fixedAddress.Address)
        {
            problems.Add($"{where}: --cluster-address {options.ClusterAddress ?? "(none)"} is not the service's ipv4_address {fixedAddress.Address ?? "(none)"}");
            return;
        }
        var subnet = root.Items("networks", fixedAddress.Key, "ipam", "config").Select(c => c.Text("subnet")).FirstOrDefault(s => s is not null);
        if (subnet is null || !IPNetwork.Parse(subnet).Contains(IPAddress.Parse(fixedAddress.Address)))
            problems.Add($"{where}: ipv4_address {fixedAddress.Address} is not in network {fixedAddress.Key}'s subnet {subnet ?? "(none)"}");
    }

    private static void CheckGrace(string where, YamlNode service, SiloOptions options, List<string> problems)
    {
        var text = service.Text("stop_grace_period");
        var grace = text is null ? TimeSpan.FromSeconds(10) : ComposeDuration(text); // Docker's default is 10 s
        if (grace < SiloSettings.GraceNeeded(options))
            problems.Add($"{where}: stop_grace_period {text ?? "(default 10s)"} is shorter than the silo's stop timeout {options.StopTimeout.TotalSeconds} s + {SiloSettings.ExitAllowance.TotalSeconds} s to exit");
    }

    private static void CheckGpu(string where, YamlNode service, SiloOptions options, List<string> problems)
    {
        var reservesGpu = service.Items("deploy", "resources", "reservations", "devices").Any(d => d.Strings("capabilities").Contains("gpu"));
        var wantsGpu = options.Devices.StartsWith("cuda", StringComparison.Ordinal);
        if (reservesGpu != wantsGpu)
            problems.Add($"{where}: --devices {options.Devices} but {(reservesGpu ? "reserves" : "does not reserve")} a GPU (deploy.resources.reservations.devices with capabilities [gpu])");
    }

    /// <summary>Compose durations: 60s, 1m30s, 2m.</summary>
    private static TimeSpan ComposeDuration(string text)
    {
        var total = TimeSpan.Zero;
        foreach (System.Text.RegularExpressions.Match part in System.Text.RegularExpressions.Regex.Matches(text, @"(\d+)(h|ms|m|s)"))
        {
            var n = int.Parse(part.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            total += part.Groups[2].Value switch { "h" => TimeSpan.FromHours(n), "m" => TimeSpan.FromMinutes(n), "s" => TimeSpan.FromSeconds(n), _ => TimeSpan.FromMilliseconds(n) };
        }
        return total;
    }
}
