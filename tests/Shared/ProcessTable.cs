using System.Diagnostics;
using System.Globalization;

namespace Clustering.Tests.Shared;

/// <summary>
/// The processes of this machine as /proc lists them, for tests that prove a fixture left nothing running: the oracle
/// is the kernel's table, not the fixture's own bookkeeping.
/// </summary>
internal static class ProcessTable
{
    /// <summary>Pids of live processes whose command line contains <paramref name="marker"/> (a test's own temp folder).</summary>
    public static IReadOnlyList<int> Naming(string marker)
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) continue;
            try
            {
                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                if (cmdline.Contains(marker, StringComparison.Ordinal) && !IsZombie(dir)) found.Add(pid);
            }
            catch (IOException) { /* it ended while we looked */ }
            catch (UnauthorizedAccessException) { }
        }
        return found;
    }

    /// <summary>Waits up to <paramref name="timeout"/> until no process names <paramref name="marker"/>; returns those left.</summary>
    public static async Task<IReadOnlyList<int>> WaitUntilNoneNamingAsync(string marker, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (true)
        {
            var left = Naming(marker);
            if (left.Count == 0 || DateTime.UtcNow > until) return left;
            await Task.Delay(200);
        }
    }

    /// <summary>A stand-in test host: a process that lives until killed.</summary>
    public static Process StartOwner() =>
        Process.Start(new ProcessStartInfo("sleep", "600") { UseShellExecute = false }) ?? throw new InvalidOperationException("sleep did not start");

    private static bool IsZombie(string dir)
    {
        // Field 3 of /proc/PID/stat, after the parenthesised name: Z is a dead process its parent has not reaped yet.
        var stat = File.ReadAllText(Path.Combine(dir, "stat"));
        var close = stat.LastIndexOf(')');
        return close > 0 && close + 2 < stat.Length && stat[close + 2] == 'Z';
    }
}
