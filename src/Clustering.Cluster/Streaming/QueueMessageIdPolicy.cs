using System.Xml.Linq;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Clustering.Cluster.Streaming;

/// <summary>
/// Puts each received queue message's id in front of its text (a first line <c>#message-id=ID</c>), so the data adapter,
/// which Orleans' Azure queue receiver hands only the text, can name the message a bad event came in. Applies to the
/// answers of Get Messages (XML <c>QueueMessagesList</c> of the Queue service's REST API); every other answer passes
/// untouched, and the receiver still deletes messages by their own id and pop receipt.
/// </summary>
internal sealed class QueueMessageIdPolicy : HttpPipelineSynchronousPolicy
{
    public const string Marker = "#message-id=";

    public override void OnReceivedResponse(HttpMessage message)
    {
        if (message.Request.Method != RequestMethod.Get || message.Response.Status != 200 || message.Response.ContentStream is null) return;
        if (!message.Request.Uri.Path.EndsWith("/messages", StringComparison.Ordinal)) return;
        var document = XDocument.Load(message.Response.ContentStream);
        foreach (var queued in document.Root?.Elements("QueueMessage") ?? [])
        {
            var id = queued.Element("MessageId")?.Value;
            var text = queued.Element("MessageText");
            if (id is null || text is null || text.Value.StartsWith(Marker, StringComparison.Ordinal)) continue;
            text.Value = Marker + id + "\n" + text.Value;
        }
        var rewritten = new MemoryStream();
        document.Save(rewritten, SaveOptions.DisableFormatting);
        rewritten.Position = 0;
        message.Response.ContentStream = rewritten;
    }

    /// <summary>
    /// The message id and the text after it, for a text this policy marked; otherwise no id and the text as it is.
    /// Every leading marker line goes: after a silo was killed mid-stream, redelivered messages were seen here marked
    /// twice, and a second marker left in would become an event of its own (a bad one, counted once too often).
    /// </summary>
    public static (string? Id, string Text) Split(string text)
    {
        string? id = null;
        while (text.StartsWith(Marker, StringComparison.Ordinal))
        {
            var newline = text.IndexOf('\n');
            id ??= newline < 0 ? text[Marker.Length..] : text[Marker.Length..newline];
            text = newline < 0 ? "" : text[(newline + 1)..];
        }
        return (id, text);
    }
}
