using System.CommandLine;
using Clustering.Coordination;
using Clustering.Corpus;
using Clustering.Hosting;
using Clustering.Jobs;
using Clustering.Pipeline;
using Clustering.Storage;
using Clustering.Storage.Azure;
using Microsoft.Extensions.Logging;

namespace Clustering.Cli.Commands;

/// <summary>
/// `embedctl run`: embeds a whole corpus on this machine (the embedded default: a SQLite store in a local state
/// folder, in-process workers and coordinator). Run again with the same arguments, it resumes.
/// </summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var options = new JobOptions();
        var workers = new Option<int>("--workers") { Description = "Workers on this machine (CPU: each gets threads / workers).", DefaultValueFactory = _ => 1 };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "No progress, only the summary and errors." };
        var state = new Option<string?>("--state")
        {
            Description = "Local folder for the job's SQLite store and lock (what resuming needs). Default: OUTPUT/_state/ for a " +
                "local output; ~/.cache/clustering/state/<sha256 of the output URL>/ for a blob output.",
        };
        var auth = new Option<string?>("--auth")
        {
            Description = $"Credential for blob URIs: {AzureAuthModes.Names}. Default: AZURE_STORAGE_AUTH_MODE, else auto (connection " +
                "string, account key, SAS, then an Entra ID token from DefaultAzureCredential: managed or workload identity, environment, Azure CLI).",
        };
        var command = new Command("run", """
            Embed a corpus into Parquet vector files on this machine.
            Writes OUTPUT/part-*.parquet, OUTPUT/_manifest.json, OUTPUT/_SUCCESS and OUTPUT/_errors/*.jsonl (bad input lines
            with file, line and reason). Inputs and OUTPUT may be local or Azure Blob Storage URIs (az://container/path,
            https://ACCOUNT.blob.core.windows.net/container/path[?SAS]); credentials for az:// come from
            AZURE_STORAGE_CONNECTION_STRING (or AZURE_STORAGE_ACCOUNT with AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN).
            Interrupted (Ctrl-C, kill), the same command resumes where it stopped.
            Exit code: 0 when the job succeeded, 1 when it failed, 2 for bad arguments, 130 when interrupted.
            """);
        options.AddTo(command);
        command.Options.Add(workers);
        command.Options.Add(quiet);
        command.Options.Add(state);
        command.Options.Add(auth);
        command.SetAction(async (result, cancellationToken) =>
        {
            JobSpec spec;
            AzureAuthMode? authMode;
            try
            {
                spec = options.ToSpec(result);
                authMode = result.GetValue(auth) is { } mode ? AzureAuthModes.Parse(mode, "--auth") : null;
            }
            catch (ClusteringException e)
            {
                Console.Error.WriteLine($"embedctl run: {e.Message}");
                return 2;
            }
            using var logs = CliLogging.Create(result.GetValue(quiet));
            var storage = EmbeddedRunner.LoggedStorageOptions(logs.CreateLogger("storage"));
            storage.Auth = authMode;
            var runner = new EmbeddedRunner(logs, storage);
            var shownOutput = SecretRedactor.Redact(spec.Output);
            var progress = new JobProgress();
            ProgressDisplay? display = null;
            try
            {
                var stateFolder = result.GetValue(state) is { } given ? Path.GetFullPath(given) : runner.DefaultStateFolder(spec);
                // Outside the output, the state is somewhere a user would not look: say where, once.
                if (result.GetValue(state) is not null || LocationResolver.IsBlobUri(spec.Output)) Console.Error.WriteLine($"state: {stateFolder}");
                display = ProgressDisplay.Start(progress, result.GetValue(quiet));
                var outcome = await runner.RunAsync(spec, result.GetValue(workers), progress, cancellationToken, stateFolder);
                display.Stop();
                var m = outcome.Manifest;
                Console.Error.WriteLine($"job {outcome.JobId}: {outcome.State.ToText()}: {m.Documents} documents, {m.Errors} bad lines, " +
                    $"{m.EmptyTexts} empty texts, {m.DuplicateIds} duplicate ids, {m.Tokens} tokens, " +
                    $"{m.Files.Count} files in {shownOutput} ({progress.Snapshot().Elapsed.TotalSeconds:F1} s)");
                if (m.FailureReason is { } reason) Console.Error.WriteLine($"  {reason}");
                foreach (var skipped in m.SkippedFiles ?? []) Console.Error.WriteLine($"  skipped (--skip-bad-files): {skipped}");
                foreach (var failed in outcome.FailedShards)
                    Console.Error.WriteLine($"  shard {failed.Index} failed after {failed.Attempt} attempts: {failed.LastError}");
                if (m.Errors > 0) Console.Error.WriteLine($"  bad lines are listed in {ErrorsLocation(spec.Output)}");
                return outcome.State == JobState.Succeeded ? 0 : 1;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                display?.Stop();
                Console.Error.WriteLine("embedctl run: interrupted; run the same command again to resume");
                return 130;
            }
            catch (ClusteringException e)
            {
                display?.Stop();
                Console.Error.WriteLine($"embedctl run: {e.Message}");
                return e is JobRefusedException ? 2 : 1;
            }
            finally
            {
                display?.Dispose();
            }
        });
        return command;
    }

    /// <summary>OUTPUT/_errors/ as a user would type it: a path on disk, the URL (without its SAS) in blob storage.</summary>
    private static string ErrorsLocation(string output) => LocationResolver.IsBlobUri(output)
        ? LocationResolver.SplitQuery(output).Location.TrimEnd('/') + "/" + OutputLayout.ErrorsFolder
        : Path.Combine(output, OutputLayout.ErrorsFolder);
}
