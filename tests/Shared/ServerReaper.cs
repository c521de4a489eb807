using System.Diagnostics;
using System.Globalization;

namespace Clustering.Tests.Shared;

/// <summary>
/// Stops a server a test started (Azurite, PostgreSQL, a silo) even when the test host never gets to dispose it: a
/// test host killed by a hang timeout, by Ctrl-C or by kill -9 used to leave Azurite and postgres running after the
/// suite. A detached shell (its own session, so a kill of the test host's process group misses it) polls the owner
/// once a second and runs the cleanup when the owner is gone; a normal dispose runs the cleanup itself and ends the
/// watcher. Cleanups are written to be safe twice and to touch only what this test started (a pid is checked against
/// its command line, which names the test's own temp folder, before it is killed).
/// </summary>
internal sealed class ServerReaper : IDisposable
{
    private readonly Process _watcher;

    private ServerReaper(Process watcher) => _watcher = watcher;

    /// <summary>Runs <paramref name="cleanup"/> (bash) once process <paramref name="ownerPid"/> (default: this test host) has exited.</summary>
    public static ServerReaper Watch(string cleanup, int? ownerPid = null)
    {
        var owner = (ownerPid ?? Environment.ProcessId).ToString(CultureInfo.InvariantCulture);
        var psi = new ProcessStartInfo("setsid")
        {
            // Pipes, not the test host's own stdout: an inherited stdout would keep `dotnet test` waiting for its end.
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        // The cleanup goes in the environment, not the command line: tests find a server's processes by a marker in
        // their command lines, and the watcher must not be one of them.
        foreach (var a in new[] { "bash", "-c", "exec </dev/null >/dev/null 2>&1; while kill -0 \"$REAPER_OWNER\"; do sleep 1; done; eval \"$REAPER_CLEANUP\"" })
            psi.ArgumentList.Add(a);
        psi.Environment["REAPER_OWNER"] = owner;
        psi.Environment["REAPER_CLEANUP"] = cleanup;
        return new ServerReaper(Process.Start(psi) ?? throw new InvalidOperationException("setsid did not start"));
    }

    /// <summary>A bash line that kills <paramref name="pid"/> only while its command line still contains <paramref name="marker"/> (no other process that reused the pid).</summary>
    public static string KillIfStill(int pid, string marker) =>
        $"grep -qaF -- {Quote(marker)} /proc/{pid}/cmdline && kill -9 {pid}";

    public static string Quote(string text) => "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary>Ends the watcher without running the cleanup (the owner cleaned up itself).</summary>
    public void Dispose()
    {
        try
        {
            if (!_watcher.HasExited) _watcher.Kill();
            _watcher.WaitForExit(5_000);
        }
        catch (InvalidOperationException) { /* already gone */ }
        _watcher.Dispose();
    }
}
