using System.Diagnostics;
using System.Text;
using Clustering.Tests.Shared;

namespace Clustering.Integration.Tests;

/// <summary>
/// A real child process (embed-silo, embedctl) with its stdout and stderr captured line by line, so tests can wait
/// for a line, read the whole log, kill -9 it or send it SIGTERM.
/// </summary>
public sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new(); // guarded by itself: both reader callbacks append
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ServerReaper? _reaper; // kills the child if the test host dies first

    private ChildProcess(Process process) => _process = process;

    public int Id => _process.Id;

    /// <param name="marker">What the process's command line holds, for the reaper to know it (default: <paramref name="file"/>;
    /// a launcher that execs another program, such as `ip netns exec`, names that program).</param>
    /// <param name="workingDirectory">Where it starts (embed-silo reads appsettings.json there); null: this process's folder.</param>
    public static ChildProcess Start(string file, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null,
        string? marker = null, string? workingDirectory = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? "",
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        // Children must not inherit CI settings that change their output (colours, terminal width).
        psi.Environment["NO_COLOR"] = "1";
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        var child = new ChildProcess(process);
        process.OutputDataReceived += (_, e) => child.Append(e.Data, false);
        process.ErrorDataReceived += (_, e) => child.Append(e.Data, true);
        process.Exited += (_, _) => child._exited.TrySetResult();
        process.Start();
        child._reaper = ServerReaper.Watch(ServerReaper.KillIfStill(process.Id, marker ?? file));
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    private void Append(string? line, bool error)
    {
        if (line is null) return;
        lock (_output)
        {
            _output.Append(line).Append('\n');
            (error ? _stderr : _stdout).Append(line).Append('\n');
        }
    }

    /// <summary>Everything written so far, stdout and stderr interleaved as they arrived.</summary>
    public string Output { get { lock (_output) return _output.ToString(); } }
    public string StandardOutput { get { lock (_output) return _stdout.ToString(); } }
    public string StandardError { get { lock (_output) return _stderr.ToString(); } }

    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    public void WriteInput(string text)
    {
        _process.StandardInput.Write(text);
        _process.StandardInput.Close();
    }

    /// <summary>Waits for a line containing <paramref name="text"/>; throws with the whole output on timeout or exit.</summary>
    public async Task<string> WaitForLineAsync(string text, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < until)
        {
            var output = Output;
            var at = output.IndexOf(text, StringComparison.Ordinal);
            if (at >= 0)
            {
                var end = output.IndexOf('\n', at);
                return output[at..(end < 0 ? output.Length : end)];
            }
            if (_process.HasExited) throw new InvalidOperationException($"process exited ({_process.ExitCode}) before printing '{text}':\n{output}");
            await Task.Delay(50);
        }
        throw new TimeoutException($"no '{text}' in {timeout.TotalSeconds} s:\n{Output}");
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        if (await Task.WhenAny(_exited.Task, Task.Delay(timeout)) != _exited.Task)
            throw new TimeoutException($"process {Id} still running after {timeout.TotalSeconds} s:\n{Output}");
        _process.WaitForExit(); // drains the output readers
        return _process.ExitCode;
    }

    /// <summary>kill -9: no shutdown code runs; its leases must expire.</summary>
    public void KillHard()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: false);
    }

    /// <summary>SIGTERM: the graceful path (what systemd, docker and Kubernetes send).</summary>
    public void Terminate()
    {
        if (!_process.HasExited) TemporaryPostgres.Exec("kill", "-TERM", Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    public void Dispose()
    {
        try { KillHard(); } catch (InvalidOperationException) { }
        _process.Dispose();
        _reaper?.Dispose();
    }
}
