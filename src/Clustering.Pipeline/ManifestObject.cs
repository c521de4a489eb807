using System.Text.Json;
using System.Text.Json.Serialization;
using Clustering.Storage;

namespace Clustering.Pipeline;

/// <summary>
/// A manifest object, the commit of a job (Clustering.Jobs' <c>JobManifest</c>, <c>_manifest.json</c>) or of a stream window
/// (<see cref="Streaming.WindowManifest"/>): the one JSON form both are written in, reading one back, and the
/// create-if-absent write that commits. Whoever creates it first wins; a loser gets the winner's manifest back.
/// </summary>
public static class ManifestObject
{
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        // A file people read: '+' and non-ASCII text as they are, not \u escapes (still valid JSON).
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static byte[] ToUtf8<T>(T manifest) => JsonSerializer.SerializeToUtf8Bytes(manifest, Json);

    /// <param name="what">The object's name in the error when the JSON holds nothing (<c>null</c>).</param>
    public static T Parse<T>(ReadOnlySpan<byte> utf8, string what) where T : class =>
        JsonSerializer.Deserialize<T>(utf8, Json) ?? throw new ClusteringException($"{what}: empty");

    /// <summary>The manifest at <paramref name="key"/>; null when there is none; an error naming the object when it is not one.</summary>
    public static async Task<T?> ReadAsync<T>(IBlobStore output, string key, CancellationToken cancellationToken) where T : class
    {
        if (await output.GetPropertiesAsync(key, cancellationToken).ConfigureAwait(false) is null) return null;
        await using var stream = await output.OpenReadAsync(key, cancellationToken: cancellationToken).ConfigureAwait(false);
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        try
        {
            return Parse<T>(buffer.ToArray(), key);
        }
        catch (JsonException e)
        {
            throw new InputFormatException($"{output.DisplayName}/{key}", e.Path is { Length: > 1 } path ? $"{path}, {JsonErrorText.Position(e)}" : JsonErrorText.Position(e), "not a manifest: " + JsonErrorText.Reason(e));
        }
    }

    /// <summary>Creates the manifest if absent (the commit). Returns the manifest that is there now and whether this call created it.</summary>
    public static async Task<(T Manifest, bool Created)> CreateAsync<T>(IBlobStore output, string key, T manifest, CancellationToken cancellationToken)
        where T : class
    {
        try
        {
            await output.WriteAsync(key, new MemoryStream(ToUtf8(manifest)), WriteCondition.CreateOnly, cancellationToken).ConfigureAwait(false);
            return (manifest, true);
        }
        catch (BlobConditionFailedException)
        {
            return (await ReadAsync<T>(output, key, cancellationToken).ConfigureAwait(false) ?? manifest, false);
        }
    }
}
