namespace Clustering.Integration.Tests.Deploy;

/// <summary>
/// deploy/'s compose, Kubernetes and systemd files, parsed and cross-checked against the silo's own flag table and
/// option validation (no docker or Kubernetes runs here). The second test breaks each rule once in a copy of the real
/// files and expects the checks to name it, so the checks cannot pass by checking nothing.
/// </summary>
public sealed class DeployManifestTests
{
    private static string DeployFile(string path) => File.ReadAllText(Path.Combine(RepoPaths.Root, "deploy", path));

    private static Dictionary<string, string> KubernetesFiles() =>
        Directory.GetFiles(Path.Combine(RepoPaths.Root, "deploy", "k8s"), "*.yaml").Order(StringComparer.Ordinal)
            .ToDictionary(f => "k8s/" + Path.GetFileName(f), File.ReadAllText);

    /// <summary>The checks read the silo's flag table; its --help, which users read, lists the same flags.</summary>
    [Fact]
    public async Task The_silo_help_lists_every_flag_the_checks_accept()
    {
        using var help = ChildProcess.Start(RepoPaths.Silo, ["--help"]);
        Assert.Equal(0, await help.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        var missing = Clustering.Silo.SiloConfiguration.Flags.Keys.Where(f => !help.StandardOutput.Contains("  " + f + " ", StringComparison.Ordinal)).ToList();
        Assert.True(missing.Count == 0, "not in embed-silo --help: " + string.Join(", ", missing));
    }

    [Fact]
    public void Compose_file_agrees_with_the_silo() => AssertNone(ComposeChecks.Check(DeployFile("compose/compose.yaml")));

    [Fact]
    public void Kubernetes_manifests_agree_with_the_silo()
    {
        var files = KubernetesFiles();
        Assert.Equal(["k8s/embed-silo-gpu.yaml", "k8s/embed-silo.yaml"], files.Keys.Order(StringComparer.Ordinal));
        AssertNone(KubernetesChecks.Check(files));
    }

    [Fact]
    public void Systemd_unit_agrees_with_the_silo() => AssertNone(SystemdChecks.Check(DeployFile("systemd/embed-silo.service")));

    /// <summary>File, text to replace (its first occurrence), replacement, what the problem must say.</summary>
    public static TheoryData<string, string, string, string> Breakages => new()
    {
        { "compose/compose.yaml", "--name, silo1", "--nam, silo1", "unknown flag '--nam'" },
        { "compose/compose.yaml", "--workers, \"1\"", "--workers, \"none\"", "embed-silo would refuse this configuration" },
        { "compose/compose.yaml", "CLUSTERING_TOKEN: ${", "CLUSTERING_TOKN: ${", "CLUSTERING_TOKN is not a setting embed-silo reads" },
        { "compose/compose.yaml", "${CLUSTERING_TOKEN:?set CLUSTERING_TOKEN in .env}", "0123456789abcdef0123456789abcdef", "CLUSTERING_TOKEN has a literal secret" },
        { "compose/compose.yaml", "clustering:${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD in .env}@", "clustering:hunter2hunter2@", "CLUSTERING_STORE has a literal secret" },
        { "compose/compose.yaml", "--silo-port, \"11111\", --gateway-port, \"30000\", --cluster-address, 172.28.0.12",
            "--silo-port, \"11112\", --gateway-port, \"30000\", --cluster-address, 172.28.0.12", "silo port 11112 is not in expose" },
        { "compose/compose.yaml", "expose: [\"11111\", \"30000\"]", "expose: [\"11111\"]", "gateway port 30000 is not in expose" },
        { "compose/compose.yaml", "127.0.0.1:8081:8080", "0.0.0.0:8081:8080", "should publish the API port 8080 on 127.0.0.1 only" },
        { "compose/compose.yaml", "/dev/tcp/127.0.0.1/8080", "/dev/tcp/127.0.0.1/8081", "healthcheck should GET /healthz on the API port 8080" },
        { "compose/compose.yaml", "ipv4_address: 172.28.0.12", "ipv4_address: 172.28.0.13", "is not the service's ipv4_address 172.28.0.13" },
        { "compose/compose.yaml", "--cluster-id, embedding, --name, silo2", "--cluster-id, other, --name, silo2", "would not form one cluster" },
        { "compose/compose.yaml", "stop_grace_period: 60s", "stop_grace_period: 30s", "stop_grace_period 30s is shorter than the silo's stop timeout 30 s" },
        { "compose/compose.yaml", "--workers, \"1\", --allow-paths", "--lease-seconds, \"120\", --workers, \"1\", --allow-paths", "stop_grace_period 60s is shorter than the silo's stop timeout 120 s" },
        { "compose/compose.yaml", "capabilities: [gpu]", "capabilities: [compute]", "--devices cuda but does not reserve a GPU" },
        { "k8s/embed-silo.yaml", "\"--workers\", \"1\"", "\"--worker\", \"1\"", "unknown flag '--worker'" },
        { "k8s/embed-silo.yaml", "\"--devices\", \"cpu\"", "\"--devices\", \"tpu\"", "embed-silo would refuse this configuration" },
        { "k8s/embed-silo.yaml", "{ name: CLUSTERING_NAME,", "{ name: CLUSTERING_PODNAME,", "CLUSTERING_PODNAME is not a setting embed-silo reads" },
        { "k8s/embed-silo.yaml", "{ name: CLUSTERING_TOKEN, valueFrom: { secretKeyRef: { name: embed-silo, key: token } } }",
            "{ name: CLUSTERING_TOKEN, value: \"0123456789abcdef0123456789abcdef\" }", "CLUSTERING_TOKEN has a literal value" },
        { "k8s/embed-silo.yaml", "apiVersion: apps/v1", "apiVersion: v1\nkind: Secret\nmetadata: { name: embed-silo }\nstringData: { token: x }\n---\napiVersion: apps/v1", "has values written in the file" },
        { "k8s/embed-silo.yaml", "\"--cluster-address\", \"$(POD_IP)\"", "\"--cluster-address\", \"10.0.0.5\"", "--cluster-address should be the pod IP" },
        { "k8s/embed-silo.yaml", "fieldPath: status.podIP", "fieldPath: status.hostIP", "--cluster-address should be the pod IP" },
        { "k8s/embed-silo.yaml", "{ name: silo, containerPort: 11111 }", "{ name: silo, containerPort: 11112 }", "silo port 11111 is not a containerPort" },
        { "k8s/embed-silo.yaml", "{ name: gateway, port: 30000, targetPort: gateway }", "{ name: gateway, port: 30001, targetPort: gateway }", "the gateway port 30000 should be declared as itself (30001)" },
        { "k8s/embed-silo.yaml", "clusterIP: None", "clusterIP: 10.96.0.20", "on a headless Service" },
        { "k8s/embed-silo.yaml", "ports: [{ name: http, port: 8080, targetPort: http }]", "ports: [{ name: http, port: 8080, targetPort: web }]", "targetPort web is not a port of" },
        { "k8s/embed-silo.yaml", "readinessProbe: { httpGet: { path: /healthz", "readinessProbe: { httpGet: { path: /ready", "readinessProbe should GET /healthz on the API port 8080" },
        { "k8s/embed-silo.yaml", "livenessProbe: { httpGet: { path: /healthz, port: http }", "livenessProbe: { httpGet: { path: /healthz, port: silo }", "livenessProbe should GET /healthz on the API port 8080" },
        { "k8s/embed-silo.yaml", "terminationGracePeriodSeconds: 60", "terminationGracePeriodSeconds: 30", "terminationGracePeriodSeconds 30 is shorter" },
        { "k8s/embed-silo-gpu.yaml", "limits: { nvidia.com/gpu: 1 }", "limits: { cpu: 4 }", "--devices cuda but does not ask for nvidia.com/gpu" },
        { "k8s/embed-silo-gpu.yaml", "\"--cluster-id\", \"embedding\"", "\"--cluster-id\", \"gpus\"", "would not form one cluster" },
        { "systemd/embed-silo.service", "--cluster-id embedding", "--cluster embedding", "unknown flag '--cluster'" },
        { "systemd/embed-silo.service", "--devices cuda", "--devices cuda --token 0123456789abcdef0123456789abcdef", "--token carries a secret" },
        { "systemd/embed-silo.service", "TimeoutStopSec=90", "TimeoutStopSec=35", "TimeoutStopSec=35 is shorter" },
    };

    [Theory]
    [MemberData(nameof(Breakages))]
    public void A_broken_manifest_is_named(string file, string text, string replacement, string expected)
    {
        var original = DeployFile(file);
        var at = original.IndexOf(text, StringComparison.Ordinal);
        Assert.True(at >= 0, $"'{text}' is not in deploy/{file} any more: update this case");
        var broken = original[..at] + replacement + original[(at + text.Length)..];

        var problems = file switch
        {
            "compose/compose.yaml" => ComposeChecks.Check(broken),
            "systemd/embed-silo.service" => SystemdChecks.Check(broken),
            _ => KubernetesChecks.Check(new Dictionary<string, string>(KubernetesFiles()) { [file] = broken }),
        };
        Assert.True(problems.Any(p => p.Contains(expected, StringComparison.Ordinal)),
            $"expected a problem saying \"{expected}\"; got:\n{string.Join('\n', problems)}");
    }

    private static void AssertNone(List<string> problems) => Assert.True(problems.Count == 0, string.Join('\n', problems));
}
