using System.Globalization;

namespace Clustering.Integration.Tests.Deploy;

/// <summary>
/// deploy/systemd/embed-silo.service against the silo: ExecStart's flags are ones embed-silo accepts (with the store
/// and token that /etc/embed-silo/env holds standing in), none carries a secret, and TimeoutStopSec covers the silo's
/// stop timeout.
/// </summary>
internal static class SystemdChecks
{
    public static List<string> Check(string text)
    {
        var problems = new List<string>();
        var lines = text.Split('\n').Select(l => l.Trim()).Where(l => !l.StartsWith('#')).ToList();
        var exec = lines.FirstOrDefault(l => l.StartsWith("ExecStart=", StringComparison.Ordinal));
        if (exec is null) return ["embed-silo.service: no ExecStart="];
        var args = exec["ExecStart=".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).ToList();
        var environmentFile = new Dictionary<string, string>
        {
            ["CLUSTERING_STORE"] = $"postgres://clustering:{SiloSettings.StandIn}@db.internal:5432/clustering",
            ["CLUSTERING_TOKEN"] = SiloSettings.StandIn,
        };
        var options = SiloSettings.Bind("embed-silo.service ExecStart", args, environmentFile, problems);
        if (options is null) return problems;
        var stop = lines.FirstOrDefault(l => l.StartsWith("TimeoutStopSec=", StringComparison.Ordinal));
        var seconds = stop is null ? 90 : int.Parse(stop["TimeoutStopSec=".Length..], CultureInfo.InvariantCulture); // systemd's default is 90 s
        if (TimeSpan.FromSeconds(seconds) < SiloSettings.GraceNeeded(options))
            problems.Add($"embed-silo.service: TimeoutStopSec={seconds} is shorter than the silo's stop timeout {options.StopTimeout.TotalSeconds} s + {SiloSettings.ExitAllowance.TotalSeconds} s to exit");
        return problems;
    }
}
