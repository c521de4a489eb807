using System.Text.Json;

namespace Clustering.Streaming.Tests;

/// <summary>
/// A producer's events with what a reader of the output must find: new documents (<c>v</c> "1"), updates of earlier
/// ones (<c>v</c> "2"), deletions of earlier ones, and bad events of several kinds, every text distinct (a text seen
/// twice is a redelivery to the job). Good events carry <c>seq</c>, the publish order. <see cref="Latest"/> is each id's
/// final state; <see cref="Bad"/> the bad texts.
/// </summary>
internal sealed class DocumentEvents
{
    public List<string> Texts { get; } = [];
    public Dictionary<string, (string? Version, bool Deleted)> Latest { get; } = new(StringComparer.Ordinal);
    public HashSet<string> Bad { get; } = new(StringComparer.Ordinal);
    public int Deletions { get; private set; }

    /// <param name="deletions">When given, exactly this many deletions, spread evenly and never where a bad event goes (instead of every <paramref name="deleteEvery"/>th).</param>
    public static DocumentEvents Make(int count, int badEvery = 37, int deleteEvery = 10, int updateEvery = 13, int? deletions = null)
    {
        var events = new DocumentEvents();
        var live = new List<string>();
        var updated = new HashSet<string>();
        for (var i = 1; i <= count; i++)
        {
            if (i % badEvery == 0)
            {
                var bad = (i / badEvery % 5) switch
                {
                    0 => $"{{\"id\": \"bad-{i}\", \"text\": ",
                    1 => $"{{\"text\": \"no id {i}\"}}",
                    2 => $"{{\"id\": \"bad-{i}\", \"text\": {i}}}",
                    3 => $"[\"an array\", {i}]",
                    _ => $"{{\"id\": \"bad-{i}\", \"text\": \"\"}}",
                };
                events.Texts.Add(bad);
                events.Bad.Add(bad);
            }
            else if ((deletions is { } d ? (long)(i + 17) * d / count != (long)(i + 16) * d / count : i % deleteEvery == 0) && live.Count > 0)
            {
                var id = live[i * 7919 % live.Count];
                live.Remove(id);
                events.Texts.Add(JsonSerializer.Serialize(new { id, deleted = true, seq = Seq(i) }));
                events.Latest[id] = (null, true);
                events.Deletions++;
            }
            else if (i % updateEvery == 0 && live.Count > 0 && !updated.Contains(live[i * 31 % live.Count]))
            {
                var id = live[i * 31 % live.Count];
                updated.Add(id);
                events.Texts.Add(JsonSerializer.Serialize(new { id, text = $"the second version of {id}, rewritten at event {i}", v = "2", seq = Seq(i) }));
                events.Latest[id] = ("2", false);
            }
            else
            {
                var id = $"doc-{i}";
                live.Add(id);
                events.Texts.Add(JsonSerializer.Serialize(new { id, text = $"document {i}: notes on topic {i % 17} and item {i % 101}", v = "1", seq = Seq(i) }));
                events.Latest[id] = ("1", false);
            }
        }
        return events;
    }

    /// <summary>The producer's publish order as a sortable string: a queue is not FIFO, so readers order versions by it.</summary>
    private static string Seq(int i) => i.ToString("D9", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Good events: each must be one row of the output.</summary>
    public int Good => Texts.Count - Bad.Count;
}
