using System.Text.RegularExpressions;
using Clustering.Inference.Cuda;
using Clustering.Serving;
using Clustering.Silo;
using Microsoft.Extensions.Configuration;

namespace Clustering.Integration.Tests.Deploy;

/// <summary>
/// One manifest's silo configuration, judged by the silo's own code: flags through <see cref="SiloConfiguration.CheckFlags"/>
/// and its flag table, CLUSTERING_* variables against the settings that table names, and the bound
/// <see cref="SiloOptions"/> through <see cref="SiloOptions.Validate"/>, the listen/token rule and the device list. Nothing here keeps a
/// copy of the silo's flags, so a flag renamed in the silo and not in deploy/ fails the manifest test.
/// </summary>
internal static partial class SiloSettings
{
    /// <summary>Settings that carry a secret: never a flag (flags show in ps), never a literal value in a manifest.</summary>
    public static readonly string[] Secrets =
    [
        nameof(SiloOptions.Token), nameof(SiloOptions.Store), nameof(SiloOptions.QueueConnection),
        nameof(SiloOptions.EventHubConnection), nameof(SiloOptions.EventHubCheckpoints),
    ];

    /// <summary>
    /// What a supervisor must allow beyond the silo's stop timeout before SIGKILL: after Orleans has stopped, the
    /// process stops Kestrel, closes the store and the engines and exits (about 2 s measured here; 10 s of room).
    /// </summary>
    public static readonly TimeSpan ExitAllowance = TimeSpan.FromSeconds(10);

    /// <summary>What a secret stands in for while binding (valid as a token and as a password).</summary>
    public const string StandIn = "0123456789abcdef0123456789abcdef";

    public static TimeSpan GraceNeeded(SiloOptions options) => options.StopTimeout + ExitAllowance;

    /// <summary>The setting a CLUSTERING_ variable sets (matched without case, as the binder does), or null.</summary>
    public static string? SettingOf(string variable)
    {
        if (!variable.StartsWith(SiloConfiguration.EnvironmentPrefix, StringComparison.Ordinal)) return null;
        var key = variable[SiloConfiguration.EnvironmentPrefix.Length..];
        return SiloConfiguration.Flags.Values.FirstOrDefault(s => s.Equals(key, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The flag that sets a setting.</summary>
    public static string FlagOf(string setting) => SiloConfiguration.Flags.First(f => f.Value == setting).Key;

    /// <summary>The port of the API's (first) listen address: where probes and health checks must go.</summary>
    public static int ApiPort(SiloOptions options) => ListenAddresses.Parse(options.Listen).Urls[0].Port;

    /// <summary>
    /// Binds <paramref name="args"/> and the CLUSTERING_* entries of <paramref name="environment"/> as embed-silo
    /// would; null (and the reasons in <paramref name="problems"/>) when embed-silo would refuse them.
    /// </summary>
    public static SiloOptions? Bind(string where, IReadOnlyList<string> args, IReadOnlyDictionary<string, string> environment, List<string> problems)
    {
        var before = problems.Count;
        try
        {
            SiloConfiguration.CheckFlags([.. args]);
        }
        catch (ClusteringException e)
        {
            problems.Add($"{where}: {e.Message}");
        }
        foreach (var arg in args)
            foreach (var secret in Secrets)
                if (arg == FlagOf(secret) || arg.StartsWith(FlagOf(secret) + "=", StringComparison.Ordinal))
                    problems.Add($"{where}: {FlagOf(secret)} carries a secret and flags show in ps: set {SiloConfiguration.EnvironmentPrefix}{secret.ToUpperInvariant()} from a secret instead");
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in environment)
        {
            if (!name.StartsWith(SiloConfiguration.EnvironmentPrefix, StringComparison.Ordinal)) continue;
            if (SettingOf(name) is not { } setting) problems.Add($"{where}: {name} is not a setting embed-silo reads (see embed-silo --help)");
            else settings[setting] = value;
        }
        if (problems.Count > before) return null;

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings);
        SiloConfiguration.AddFlags(configuration, [.. args]);
        var options = new SiloOptions();
        try
        {
            configuration.Build().Bind(options);
            options.Validate();
            ListenAddresses.Parse(options.Listen).RequireTokenUnlessLoopback(options.Token);
            CheckDevices(options.Devices);
            return options;
        }
        catch (Exception e) when (e is ClusteringException or InvalidOperationException)
        {
            problems.Add($"{where}: embed-silo would refuse this configuration: {e.Message}");
            return null;
        }
    }

    /// <summary>
    /// The device list as the silo parses it before it listens (cpu, cuda, cuda:0,1), without asking this machine for
    /// GPUs: the manifest's host has them, this one need not (up to 16 per host assumed for cuda:N).
    /// </summary>
    private static void CheckDevices(string devices)
    {
        var text = devices.Trim().ToLowerInvariant();
        if (text == "cpu") return;
        if (!CudaDeviceSelection.IsCuda(text)) throw new ClusteringException($"--devices {devices}: expected cpu, cuda or cuda:0,1");
        CudaDeviceSelection.Parse(text, deviceCount: 16);
    }

    /// <summary>True for a compose interpolation of one variable: ${NAME}, ${NAME:?message}, ${NAME:-default}.</summary>
    public static bool IsInterpolation(string value) => Interpolation().IsMatch(value);

    /// <summary>Replaces every ${...} with <see cref="StandIn"/>: what the silo would see once compose has filled them in.</summary>
    public static string Interpolate(string value) => Interpolations().Replace(value, StandIn);

    /// <summary>The password a store address carries (URL user info or an Npgsql Password=), or null.</summary>
    public static string? StorePassword(string store)
    {
        var scheme = store.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            var rest = store[(scheme + 3)..];
            var at = rest.LastIndexOf('@');
            var colon = at < 0 ? -1 : rest.IndexOf(':');
            return colon >= 0 && colon < at ? rest[(colon + 1)..at] : null;
        }
        var password = NpgsqlPassword().Match(store);
        return password.Success ? password.Groups[1].Value : null;
    }

    [GeneratedRegex(@"^\$\{[A-Za-z_][A-Za-z0-9_]*(?::?[-?+][^}]*)?\}$")]
    private static partial Regex Interpolation();

    [GeneratedRegex(@"\$\{[^}]*\}")]
    private static partial Regex Interpolations();

    [GeneratedRegex(@"(?:^|;)\s*Password\s*=\s*([^;]*)", RegexOptions.IgnoreCase)]
    private static partial Regex NpgsqlPassword();
}
