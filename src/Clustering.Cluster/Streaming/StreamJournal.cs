using System.Text.Json;
using Clustering.Pipeline.Streaming;
using Clustering.Storage;

namespace Clustering.Cluster.Streaming;

/// <summary>
/// A stream job's state in its output store: the journal (<c>_stream/journal/NNNNNNNNNNNN.json</c>, one object per
/// delivery, created only if absent so two activations cannot both write a sequence number) and the checkpoint.
/// </summary>
internal sealed class StreamJournal(IBlobStore output)
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public IBlobStore Output => output;

    public async Task WriteAsync(long sequence, DateTimeOffset receivedAt, JournaledEvents events)
    {
        var record = new Stored(receivedAt, events.Texts, events.Positions);
        await output.WriteAsync(WindowLayout.JournalKey(sequence), new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(record, Json)), WriteCondition.CreateOnly);
    }

    public async Task<(DateTimeOffset ReceivedAt, JournaledEvents Events)> ReadAsync(long sequence)
    {
        var stored = JsonSerializer.Deserialize<Stored>(await ReadBytesAsync(WindowLayout.JournalKey(sequence)), Json)
            ?? throw new ClusteringException($"{output.DisplayName}: journal object {sequence} is empty");
        return (stored.ReceivedAt, new JournaledEvents(stored.Texts, stored.Positions));
    }

    /// <summary>Journal objects in sequence order, with when they were written.</summary>
    public async Task<List<(long Sequence, DateTimeOffset Written)>> ListAsync()
    {
        var list = new List<(long, DateTimeOffset)>();
        await foreach (var item in output.ListAsync(WindowLayout.JournalFolder))
            if (WindowLayout.JournalSequence(item.Key) is var n and >= 0) list.Add((n, item.LastModified));
        list.Sort((a, b) => a.Item1.CompareTo(b.Item1));
        return list;
    }

    public Task DeleteAsync(long sequence) => output.DeleteAsync(WindowLayout.JournalKey(sequence));

    public async Task<(StreamCheckpoint Checkpoint, string? ETag)> ReadCheckpointAsync()
    {
        var item = await output.GetPropertiesAsync(WindowLayout.Checkpoint);
        if (item is null) return (new StreamCheckpoint(), null);
        var checkpoint = JsonSerializer.Deserialize<StreamCheckpoint>(await ReadBytesAsync(WindowLayout.Checkpoint), Json)!;
        // The ETag read before the content: a write in between makes our conditional write fail, never pass wrongly.
        return (checkpoint, item.ETag);
    }

    /// <summary>Writes the checkpoint if it is still the version read (<paramref name="etag"/>; null: if none exists); returns the new ETag.</summary>
    public async Task<string> WriteCheckpointAsync(StreamCheckpoint checkpoint, string? etag)
    {
        var condition = etag is null ? WriteCondition.CreateOnly : WriteCondition.IfMatch(etag);
        var item = await output.WriteAsync(WindowLayout.Checkpoint, new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(checkpoint, Json)), condition);
        return item.ETag;
    }

    public Task WriteLatestAsync(WindowManifest manifest) =>
        output.WriteAsync(WindowLayout.Latest, new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(new
        {
            window = manifest.Window,
            start = manifest.Start,
            manifest = WindowLayout.ManifestKey(manifest.Start),
            part = manifest.Part,
            committed_at = manifest.CommittedAt,
        }, Json)));

    private async Task<byte[]> ReadBytesAsync(string key)
    {
        await using var stream = await output.OpenReadAsync(key);
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    private sealed record Stored(DateTimeOffset ReceivedAt, string[] Texts, string[] Positions);
}
