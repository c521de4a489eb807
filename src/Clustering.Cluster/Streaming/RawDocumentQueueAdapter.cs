using System.Text;
using Orleans.Providers.Streams.Common;
using Orleans.Streams;

namespace Clustering.Cluster.Streaming;

/// <summary>
/// Reads an Azure queue's messages as plain text that anyone can publish (the Azure SDK, <c>az storage message put</c>):
/// one JSON document per line (a message may carry one or many), all delivered to the source's one stream. Orleans'
/// own queue format (serialized batch containers) is not used, so producers need no Orleans. The position of an event
/// is the queue's message id (put in front of the text by <see cref="QueueMessageIdPolicy"/>, as Orleans hands adapters
/// only the text; without it the receiver's sequence number) and the line in the message.
/// </summary>
public sealed class RawDocumentQueueAdapter(StreamSource source) : IQueueDataAdapter<string, IBatchContainer>
{
    public IBatchContainer FromQueueMessage(string cloudMsg, long sequenceId)
    {
        var (messageId, text) = QueueMessageIdPolicy.Split(cloudMsg);
        var message = messageId ?? $"#{sequenceId}";
        var lines = text.Split('\n');
        var events = new List<SourcedEvent>(lines.Length);
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (line.Length == 0) continue;
            events.Add(new SourcedEvent(line, $"{source.Uri} message {message} line {i + 1}"));
        }
        return new DocumentBatch(source.StreamId, [.. events], new EventSequenceTokenV2(sequenceId));
    }

    /// <summary>Events published through Orleans (tests, the benchmark): their texts as lines of one message.</summary>
    public string ToQueueMessage<T>(StreamId streamId, IEnumerable<T> events, StreamSequenceToken? token, Dictionary<string, object>? requestContext)
    {
        var text = new StringBuilder();
        foreach (var e in events)
        {
            var line = e switch
            {
                SourcedEvent sourced => sourced.Text,
                string plain => plain,
                _ => throw new ClusteringException($"stream {source.Uri}: a {typeof(T).Name} is not a document event (give JSON text)"),
            };
            if (line.Contains('\n')) throw new ClusteringException($"stream {source.Uri}: an event's JSON must be one line");
            text.Append(line).Append('\n');
        }
        return text.ToString();
    }
}
