using System.Globalization;
using System.Text.Json;

namespace Clustering.Pipeline.Streaming;

/// <summary>
/// One event of a stream job, parsed from its raw JSON text: a document (<c>{"id", "text", kept fields...}</c>, the
/// shape <c>embedctl run</c> reads from JSONL), a deletion (<c>{"id", "deleted": true}</c>, kept fields allowed), or a bad event and why.
/// Ids may be JSON strings or integers; kept fields keep their JSON text (strings unquoted), as the columns are strings.
/// </summary>
public sealed record StreamEvent(string? Id, string? Text, string?[] KeptFields, bool Deleted, string? Error)
{
    public bool IsBad => Error is not null;

    public static StreamEvent Parse(string raw, CorpusOptions input)
    {
        JsonDocument json;
        try
        {
            json = JsonDocument.Parse(raw);
        }
        catch (JsonException e)
        {
            return Bad("not JSON: " + JsonErrorText.Reason(e));
        }
        using (json)
        {
            var root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return Bad($"a {root.ValueKind} where a JSON object was expected");
            if (!root.TryGetProperty(input.IdField, out var idValue)) return Bad($"no '{input.IdField}' field");
            string id;
            if (idValue.ValueKind == JsonValueKind.String) id = idValue.GetString()!;
            else if (idValue.ValueKind == JsonValueKind.Number && idValue.TryGetInt64(out var number)) id = number.ToString(CultureInfo.InvariantCulture);
            else return Bad($"'{input.IdField}' is a {idValue.ValueKind}, not a string or an integer");
            if (id.Length == 0) return Bad($"'{input.IdField}' is empty");
            var kept = KeptValues(root, input);
            if (root.TryGetProperty("deleted", out var deleted))
            {
                if (deleted.ValueKind == JsonValueKind.True) return new StreamEvent(id, null, kept, true, null);
                if (deleted.ValueKind != JsonValueKind.False) return Bad($"'deleted' is a {deleted.ValueKind}, not true or false", id);
            }
            if (!root.TryGetProperty(input.TextField, out var text)) return Bad($"no '{input.TextField}' field", id);
            if (text.ValueKind != JsonValueKind.String) return Bad($"'{input.TextField}' is a {text.ValueKind}, not a string", id);
            var value = text.GetString()!;
            if (value.Length == 0) return Bad($"'{input.TextField}' is empty", id);
            return new StreamEvent(id, value, kept, false, null);
        }
    }

    /// <summary>The kept fields' values (a deletion keeps them too: a version or timestamp field orders it among the id's versions).</summary>
    private static string?[] KeptValues(JsonElement root, CorpusOptions input)
    {
        var kept = new string?[input.KeepFields.Count];
        for (var k = 0; k < kept.Length; k++)
        {
            if (!root.TryGetProperty(input.KeepFields[k], out var field)) continue;
            kept[k] = field.ValueKind switch
            {
                JsonValueKind.Null => null,
                JsonValueKind.String => field.GetString(),
                _ => field.GetRawText(),
            };
        }
        return kept;
    }

    private static StreamEvent Bad(string reason, string? id = null) => new(id, null, [], false, reason);
}
