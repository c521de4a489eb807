using System.Security.Cryptography;
using Clustering.Corpus;
using Clustering.Storage;
using Parquet;

namespace Clustering.Jobs;

/// <summary>
/// `embedctl verify`: an output checked against its own manifest, for users and pipelines that must not trust a
/// marker alone. Every file the manifest names must exist with its size and SHA-256 (every byte is read once), each
/// Parquet part must hold the rows the manifest gives (read from its footer, as DuckDB or pyarrow would count them),
/// errors files must hold their lines, the documents must add up, and `_SUCCESS` must be there exactly when the
/// manifest says succeeded. Each problem is one line naming the object.
/// </summary>
public static class OutputVerifier
{
    /// <summary>What was checked and what is wrong (empty when the output is whole).</summary>
    public sealed record Report(JobManifest? Manifest, long Files, long Rows, long Bytes, IReadOnlyList<string> Problems)
    {
        public bool Ok => Problems.Count == 0;
    }

    public static async Task<Report> VerifyAsync(IBlobStore output, CancellationToken cancellationToken = default)
    {
        JobManifest? manifest;
        try
        {
            manifest = await JobPublisher.ReadManifestAsync(output, cancellationToken).ConfigureAwait(false);
        }
        catch (InputFormatException e)
        {
            return new Report(null, 0, 0, 0, [e.Message]);
        }
        if (manifest is null)
            return new Report(null, 0, 0, 0, [$"{OutputLayout.Manifest}: not found (not a finished output, or not one of ours)"]);

        var problems = new List<string>();
        long rows = 0, bytes = 0;
        foreach (var file in manifest.Files)
        {
            var (fileRows, fileBytes) = await CheckPartAsync(output, file, problems, cancellationToken).ConfigureAwait(false);
            rows += fileRows;
            bytes += fileBytes;
        }
        if (rows != manifest.Documents && problems.Count == 0)
            problems.Add($"{OutputLayout.Manifest} (documents): {manifest.Documents}, but its files hold {rows} rows");
        foreach (var file in manifest.ErrorFiles)
            await CheckLinesAsync(output, file, problems, cancellationToken).ConfigureAwait(false);
        foreach (var file in manifest.BatchResultFiles ?? [])
            if (await output.GetPropertiesAsync(file.Key, cancellationToken).ConfigureAwait(false) is null)
                problems.Add($"{file.Key}: missing");

        var success = await output.GetPropertiesAsync(OutputLayout.Success, cancellationToken).ConfigureAwait(false) is not null;
        if (manifest.Status == "succeeded" && !success)
            problems.Add($"{OutputLayout.Success}: missing, though {OutputLayout.Manifest} says succeeded");
        if (manifest.Status != "succeeded" && success)
            problems.Add($"{OutputLayout.Success}: present, though {OutputLayout.Manifest} says {manifest.Status}");
        return new Report(manifest, manifest.Files.Count + manifest.ErrorFiles.Count + (manifest.BatchResultFiles?.Count ?? 0), rows, bytes, problems);
    }

    private static async Task<(long Rows, long Bytes)> CheckPartAsync(IBlobStore output, ManifestFile file, List<string> problems, CancellationToken cancellationToken)
    {
        var found = await output.GetPropertiesAsync(file.Key, cancellationToken).ConfigureAwait(false);
        if (found is null)
        {
            problems.Add($"{file.Key}: missing");
            return (0, 0);
        }
        if (found.Length != file.Bytes)
        {
            problems.Add($"{file.Key}: {found.Length} bytes, the manifest says {file.Bytes}");
            return (0, found.Length);
        }
        string sha;
        await using (var stream = await output.OpenReadAsync(file.Key, cancellationToken: cancellationToken).ConfigureAwait(false))
            sha = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
        if (!string.Equals(sha, file.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            problems.Add($"{file.Key}: SHA-256 {sha}, the manifest says {file.Sha256} (its bytes changed)");
            return (0, found.Length);
        }
        var rows = await FooterRowsAsync(output, file.Key, found.Length, cancellationToken).ConfigureAwait(false);
        if (rows is null) problems.Add($"{file.Key}: not a readable Parquet file (its footer cannot be read)");
        else if (rows != file.Rows) problems.Add($"{file.Key}: {rows} rows in its footer, the manifest says {file.Rows}");
        return (rows ?? 0, found.Length);
    }

    /// <summary>The row count a Parquet reader sees, from the footer alone; null when there is no readable footer.</summary>
    private static async Task<long?> FooterRowsAsync(IBlobStore output, string key, long length, CancellationToken cancellationToken)
    {
        await using var stream = output is LocalBlobStore local
            ? new FileStream(local.PathOf(key), FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16)
            : (Stream)new SeekableBlobStream(output, key, length);
        try
        {
            await using var reader = await ParquetReader.CreateAsync(stream, leaveStreamOpen: true, cancellationToken: cancellationToken).ConfigureAwait(false);
            return reader.Metadata?.NumRows;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Whatever the reader throws on a damaged footer (its own exception types vary by version): not readable.
            return null;
        }
    }

    private static async Task CheckLinesAsync(IBlobStore output, ManifestFile file, List<string> problems, CancellationToken cancellationToken)
    {
        if (await output.GetPropertiesAsync(file.Key, cancellationToken).ConfigureAwait(false) is null)
        {
            problems.Add($"{file.Key}: missing");
            return;
        }
        long lines = 0;
        await using (var stream = await output.OpenReadAsync(file.Key, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            var buffer = new byte[1 << 16];
            int n;
            while ((n = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                lines += buffer.AsSpan(0, n).Count((byte)'\n');
        }
        if (lines != file.Rows) problems.Add($"{file.Key}: {lines} lines, the manifest says {file.Rows}");
    }
}
