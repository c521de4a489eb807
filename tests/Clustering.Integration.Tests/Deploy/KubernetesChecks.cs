using System.Globalization;
using System.Text.RegularExpressions;
using Clustering.Silo;
using YamlDotNet.RepresentationModel;

namespace Clustering.Integration.Tests.Deploy;

/// <summary>
/// deploy/k8s/*.yaml against the silo: each silo Deployment's args and CLUSTERING_* variables are ones embed-silo
/// accepts; --cluster-address is the pod IP from the downward API; the API, silo and gateway ports are container ports
/// and reached by a Service selecting the pods (the Orleans ones unchanged, on a headless Service); every probe GETs
/// /healthz on the API port; secrets come from Secrets (none written in the files); terminationGracePeriodSeconds
/// covers the silo's stop timeout; GPU silos (--devices cuda) and only they ask for nvidia.com/gpu.
/// </summary>
internal static partial class KubernetesChecks
{
    /// <summary>What the downward API would give, to bind args that use $(VAR).</summary>
    private static readonly Dictionary<string, string> FieldStandIns = new()
    {
        ["status.podIP"] = "10.244.1.7",
        ["status.hostIP"] = "192.168.1.20",
        ["metadata.name"] = "embed-silo-5d8c7b9f4-x2x7q",
    };

    /// <param name="files">File name → text.</param>
    public static List<string> Check(IReadOnlyDictionary<string, string> files)
    {
        var problems = new List<string>();
        var documents = files.SelectMany(f => Yaml.Documents(f.Value).Select(d => (File: f.Key, Doc: d))).ToList();
        foreach (var (file, doc) in documents.Where(d => d.Doc.Text("kind") == "Secret"))
            if (doc.At("data") is not null || doc.At("stringData") is not null)
                problems.Add($"{file}: Secret {doc.Text("metadata", "name")} has values written in the file; create it with kubectl instead");

        var services = documents.Where(d => d.Doc.Text("kind") == "Service").ToList();
        var silos = new List<(string Where, SiloOptions Options, string Store)>();
        foreach (var (file, doc) in documents.Where(d => d.Doc.Text("kind") == "Deployment"))
        {
            var pod = doc.At("spec", "template")!;
            foreach (var container in pod.Items("spec", "containers").Where(c => (c.Text("image") ?? "").StartsWith("embed-silo", StringComparison.Ordinal)))
            {
                var where = $"{file} Deployment {doc.Text("metadata", "name")}";
                var (environment, fields, store) = Environment(where, container, problems);
                var args = container.Strings("args").Select(a => Expand(a, environment)).ToList();
                var options = SiloSettings.Bind(where, args, environment, problems);
                if (options is null) continue;
                silos.Add((where, options, store));
                CheckClusterAddress(where, container, fields, problems);
                var ports = ContainerPorts(container);
                CheckPorts(where, options, ports, problems);
                CheckProbes(where, container, options, ports, problems);
                CheckServices(where, pod, options, ports, services, problems);
                CheckGrace(where, pod, options, problems);
                CheckGpu(where, container, options, problems);
            }
        }
        if (silos.Select(s => s.Options.ClusterId).Distinct().Count() > 1 || silos.Select(s => s.Store).Distinct().Count() > 1)
            problems.Add("k8s: the silo Deployments differ in --cluster-id or store, so they would not form one cluster: " +
                string.Join(", ", silos.Select(s => $"{s.Where} ({s.Options.ClusterId}, {s.Store})")));
        if (!silos.Any(s => s.Options.Devices.StartsWith("cuda", StringComparison.Ordinal)) || !silos.Any(s => s.Options.Devices == "cpu"))
            problems.Add("k8s: offer CPU silos and GPU silos (--devices cuda) beside them");
        return problems;
    }

    /// <summary>
    /// The container's variables with stand-ins for what Kubernetes fills in (secrets, downward API); which variable
    /// comes from which field; and where the store comes from (to tell whether silos share one).
    /// </summary>
    private static (Dictionary<string, string> Values, Dictionary<string, string> Fields, string Store) Environment(string where, YamlNode container, List<string> problems)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        var store = "";
        foreach (var variable in container.Items("env"))
        {
            var name = variable.Text("name") ?? "";
            var secretSetting = SiloSettings.SettingOf(name) is { } s && SiloSettings.Secrets.Contains(s);
            if (variable.Text("value") is { } literal)
            {
                if (secretSetting || Regex.IsMatch(name, "PASSWORD|TOKEN|SECRET"))
                    problems.Add($"{where}: {name} has a literal value; take it from a Secret (valueFrom.secretKeyRef)");
                values[name] = literal;
            }
            else if (variable.At("valueFrom", "secretKeyRef") is { } secret)
            {
                values[name] = SiloSettings.SettingOf(name) == nameof(SiloOptions.Store) ? $"postgres://clustering:{SiloSettings.StandIn}@postgres:5432/clustering" : SiloSettings.StandIn;
                if (SiloSettings.SettingOf(name) == nameof(SiloOptions.Store)) store = $"secret {secret.Text("name")}/{secret.Text("key")}";
            }
            else if (variable.Text("valueFrom", "fieldRef", "fieldPath") is { } field)
            {
                fields[name] = field;
                values[name] = FieldStandIns.GetValueOrDefault(field, "field-" + field);
            }
        }
        return (values, fields, store);
    }

    /// <summary>Kubernetes' $(VAR) expansion in args.</summary>
    private static string Expand(string arg, Dictionary<string, string> environment) =>
        Reference().Replace(arg, m => environment.TryGetValue(m.Groups[1].Value, out var v) ? v : m.Value);

    /// <summary>Other silos must dial the pod itself: the address must be $(VAR) with VAR from status.podIP.</summary>
    private static void CheckClusterAddress(string where, YamlNode container, Dictionary<string, string> fields, List<string> problems)
    {
        var args = container.Strings("args").ToList();
        var flag = args.IndexOf("--cluster-address");
        var value = flag >= 0 && flag + 1 < args.Count ? args[flag + 1] : null;
        var match = value is null ? null : Reference().Match(value);
        if (match is not { Success: true } || match.Value != value || fields.GetValueOrDefault(match.Groups[1].Value) != "status.podIP")
            problems.Add($"{where}: --cluster-address should be the pod IP: \"$(POD_IP)\" with POD_IP from fieldRef status.podIP (got {value ?? "none"})");
    }

    /// <summary>Container port name and number → number.</summary>
    private static Dictionary<string, int> ContainerPorts(YamlNode container)
    {
        var ports = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var port in container.Items("ports"))
        {
            var number = int.Parse(port.Text("containerPort") ?? "0", CultureInfo.InvariantCulture);
            ports[number.ToString(CultureInfo.InvariantCulture)] = number;
            if (port.Text("name") is { } name) ports[name] = number;
        }
        return ports;
    }

    private static IEnumerable<(string What, int Port)> SiloPorts(SiloOptions options) =>
        [("API port", SiloSettings.ApiPort(options)), ("silo port", options.SiloPort), ("gateway port", options.GatewayPort)];

    private static void CheckPorts(string where, SiloOptions options, Dictionary<string, int> ports, List<string> problems)
    {
        foreach (var (what, port) in SiloPorts(options))
            if (!ports.ContainsValue(port)) problems.Add($"{where}: {what} {port} is not a containerPort ({string.Join(", ", ports.Values.Distinct())})");
    }

    private static void CheckProbes(string where, YamlNode container, SiloOptions options, Dictionary<string, int> ports, List<string> problems)
    {
        var api = SiloSettings.ApiPort(options);
        foreach (var kind in new[] { "startupProbe", "readinessProbe", "livenessProbe" })
        {
            var probe = container.At(kind);
            if (probe is null)
            {
                if (kind != "startupProbe") problems.Add($"{where}: no {kind}");
                continue;
            }
            var path = probe.Text("httpGet", "path");
            var port = probe.Text("httpGet", "port");
            if (path != "/healthz" || port is null || ports.GetValueOrDefault(port) != api)
                problems.Add($"{where}: {kind} should GET /healthz on the API port {api} (got {path ?? "no httpGet"} on port {port ?? "none"})");
        }
    }

    /// <summary>
    /// Each Service selecting the pods targets ports the container has; together they reach the API, silo and gateway
    /// ports, the Orleans ones under their own number on a headless Service (a silo is dialled at the address and port it
    /// wrote in the membership table, never through a virtual IP).
    /// </summary>
    private static void CheckServices(string where, YamlNode pod, SiloOptions options, Dictionary<string, int> ports,
        IReadOnlyList<(string File, YamlMappingNode Doc)> services, List<string> problems)
    {
        var labels = pod.Entries("metadata", "labels").ToDictionary(l => l.Key, l => ((YamlScalarNode)l.Value).Value);
        var reached = new Dictionary<int, (int ServicePort, bool Headless)>();
        foreach (var (file, service) in services)
        {
            var selector = service.Entries("spec", "selector").ToList();
            if (selector.Count == 0 || !selector.All(s => labels.GetValueOrDefault(s.Key) == ((YamlScalarNode)s.Value).Value)) continue;
            var headless = service.Text("spec", "clusterIP") == "None";
            foreach (var port in service.Items("spec", "ports"))
            {
                var target = port.Text("targetPort") ?? port.Text("port") ?? "";
                if (!ports.TryGetValue(target, out var number))
                {
                    problems.Add($"{file} Service {service.Text("metadata", "name")}: targetPort {target} is not a port of {where}");
                    continue;
                }
                reached[number] = (int.Parse(port.Text("port") ?? "0", CultureInfo.InvariantCulture), headless);
            }
        }
        foreach (var (what, port) in SiloPorts(options))
        {
            if (!reached.TryGetValue(port, out var by)) problems.Add($"{where}: no Service selecting its pods reaches the {what} {port}");
            else if (what != "API port" && (by.ServicePort != port || !by.Headless))
                problems.Add($"{where}: the {what} {port} should be declared as itself ({by.ServicePort}) on a headless Service (clusterIP: None)");
        }
    }

    private static void CheckGrace(string where, YamlNode pod, SiloOptions options, List<string> problems)
    {
        var text = pod.Text("spec", "terminationGracePeriodSeconds");
        var grace = TimeSpan.FromSeconds(text is null ? 30 : int.Parse(text, CultureInfo.InvariantCulture)); // Kubernetes' default is 30 s
        if (grace < SiloSettings.GraceNeeded(options))
            problems.Add($"{where}: terminationGracePeriodSeconds {text ?? "(default 30)"} is shorter than the silo's stop timeout {options.StopTimeout.TotalSeconds} s + {SiloSettings.ExitAllowance.TotalSeconds} s to exit");
    }

    private static void CheckGpu(string where, YamlNode container, SiloOptions options, List<string> problems)
    {
        var gpus = container.Text("resources", "limits", "nvidia.com/gpu");
        var asksGpu = gpus is not null && int.Parse(gpus, CultureInfo.InvariantCulture) > 0;
        var wantsGpu = options.Devices.StartsWith("cuda", StringComparison.Ordinal);
        if (asksGpu != wantsGpu)
            problems.Add($"{where}: --devices {options.Devices} but {(asksGpu ? "asks for" : "does not ask for")} nvidia.com/gpu in resources.limits");
    }

    [GeneratedRegex(@"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")]
    private static partial Regex Reference();
}
