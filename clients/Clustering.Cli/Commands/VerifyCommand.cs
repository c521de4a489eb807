using System.CommandLine;
using Clustering.Corpus;
using Clustering.Hosting;
using Clustering.Jobs;
using Clustering.Pipeline;
using Clustering.Storage;
using Clustering.Storage.Azure;

namespace Clustering.Cli.Commands;

/// <summary>
/// `embedctl verify OUTPUT`: an output checked against its manifest (<see cref="OutputVerifier"/>), for users and
/// pipelines that should not trust `_SUCCESS` alone. Prints one line when the output is whole; otherwise one line per
/// problem, naming the object, and exit code 1.
/// </summary>
internal static class VerifyCommand
{
    public static Command Create()
    {
        var output = new Argument<string>("output") { Description = "The output folder or blob URI of a job (where its _manifest.json is)." };
        var auth = new Option<string?>("--auth") { Description = $"Credential for blob URIs: {AzureAuthModes.Names} (as for run)." };
        var command = new Command("verify", """
            Check an output against its _manifest.json: every file it names exists with its size and SHA-256, every Parquet
            part holds the rows the manifest gives (read from its footer), errors files hold their lines, the documents add
            up, and _SUCCESS is there exactly when the manifest says succeeded. Reads every byte of the output once.
            Exit code: 0 when the output is whole, 1 when something is wrong (one line per problem), 2 for bad arguments.
            """);
        command.Arguments.Add(output);
        command.Options.Add(auth);
        command.SetAction(async (result, cancellationToken) =>
        {
            var location = result.GetValue(output)!;
            var shown = SecretRedactor.Redact(location);
            IBlobStore store;
            try
            {
                var storage = new StorageOptions { Auth = result.GetValue(auth) is { } mode ? AzureAuthModes.Parse(mode, "--auth") : null };
                // Verifying reads: a missing local folder is an error, never created.
                if (LocationResolver.LocalPathOf(location) is { } path && !Directory.Exists(path))
                    throw new ClusteringException($"{shown}: no such folder");
                store = new LocationResolver(storage).OpenFolder(location, "output");
            }
            catch (ClusteringException e)
            {
                Console.Error.WriteLine($"embedctl verify: {e.Message}");
                return 2;
            }
            try
            {
                var report = await OutputVerifier.VerifyAsync(store, cancellationToken);
                if (report.Ok)
                {
                    Console.WriteLine($"{shown}: ok: job {report.Manifest!.JobId} ({report.Manifest.Status}), {report.Files} files, " +
                        $"{report.Rows} rows, {report.Bytes} bytes of Parquet match {OutputLayout.Manifest}");
                    return 0;
                }
                Console.Error.WriteLine($"embedctl verify: {shown}: {report.Problems.Count} {(report.Problems.Count == 1 ? "problem" : "problems")}");
                foreach (var problem in report.Problems) Console.Error.WriteLine("  " + problem);
                return 1;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                Console.Error.WriteLine("embedctl verify: interrupted");
                return 130;
            }
            catch (ClusteringException e)
            {
                Console.Error.WriteLine($"embedctl verify: {e.Message}");
                return 1;
            }
        });
        return command;
    }
}
