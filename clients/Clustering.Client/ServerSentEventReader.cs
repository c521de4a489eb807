using System.Text;

namespace Clustering.Client;

/// <summary>One server-sent event: its id (may be null), event name ("message" when absent) and data lines joined by '\n'.</summary>
public sealed record ServerSentEvent(string? Id, string Event, string Data);

/// <summary>
/// Reads text/event-stream (the WHATWG format): "field: value" lines, events separated by a blank line, comment
/// lines starting with ':' ignored. Lines longer than <see cref="MaxLineChars"/> are refused, so a hostile or broken
/// server cannot make us buffer without bound.
/// </summary>
public sealed class ServerSentEventReader(Stream stream)
{
    public const int MaxLineChars = 1 << 20;

    private readonly StreamReader _reader = new(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, bufferSize: 4096, leaveOpen: true);

    /// <summary>The next event, or null at the end of the stream.</summary>
    public async Task<ServerSentEvent?> ReadAsync(CancellationToken cancellationToken)
    {
        string? id = null;
        string? name = null;
        StringBuilder? data = null;
        while (true)
        {
            var line = await _reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            if (line is null) return null;
            if (line.Length > MaxLineChars) throw new IOException($"events stream: a line of {line.Length} characters (more than {MaxLineChars})");
            if (line.Length == 0)
            {
                if (data is null && name is null) continue; // a lone blank line (after comments)
                return new ServerSentEvent(id, name ?? "message", data?.ToString() ?? "");
            }
            if (line[0] == ':') continue;
            var colon = line.IndexOf(':');
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? "" : line[(colon + 1)..];
            if (value.StartsWith(' ')) value = value[1..];
            switch (field)
            {
                case "id": id = value; break;
                case "event": name = value; break;
                case "data":
                    if (data is null) data = new StringBuilder(value);
                    else data.Append('\n').Append(value);
                    break;
            }
        }
    }
}
