using System.Diagnostics;
using Clustering.Parquet.Tests;

namespace Clustering.Pipeline.Tests;

/// <summary>The built `embedctl` as a real process (same configuration as the tests), for kill -9 and CLI tests.</summary>
internal static class Embedctl
{
    public static string Dll
    {
        get
        {
            var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name; // bin/<Configuration>/net10.0
            var path = Path.Combine(RepoPaths.Root, "clients", "Clustering.Cli", "bin", configuration, "net10.0", "embedctl.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException($"build clients/Clustering.Cli first ({path})");
        }
    }

    public static Process Start(params string[] args) => Start(null, args);

    /// <param name="environment">Variables to set (a null value removes one) on top of this process's environment.</param>
    public static Process Start(IReadOnlyDictionary<string, string?>? environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
            if (value is null) start.Environment.Remove(name);
            else start.Environment[name] = value;
        start.ArgumentList.Add(Dll);
        foreach (var a in args) start.ArgumentList.Add(a);
        return Process.Start(start)!;
    }

    /// <summary>Runs to the end; returns exit code, stdout and stderr.</summary>
    public static (int Code, string Out, string Err) Run(string? stdin, params string[] args) => Run(null, stdin, args);

    public static (int Code, string Out, string Err) Run(IReadOnlyDictionary<string, string?>? environment, string? stdin, params string[] args)
    {
        using var process = Start(environment, args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null) process.StandardInput.Write(stdin);
        process.StandardInput.Close();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"embedctl {string.Join(' ', args)} did not finish in 5 minutes");
        }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
