using System.Runtime.InteropServices;
using System.Text.Json;
using Clustering.Corpus;

namespace Clustering.Pipeline;

/// <summary>
/// Writes OpenAI batch result lines for a shard of an OpenAI batch input (<c>--output-format openai-batch</c>): one
/// line per request, <c>{"id","custom_id","response":{"status_code":200,"request_id","body":{"object":"list","data",
/// "model","usage"}},"error":null}</c>, once all of its inputs are embedded (they arrive in the device's length order,
/// not the file's). A request whose inputs could not all be embedded (see the errors file), or that asked for other
/// dimensions than the job's, gets status 400 with an OpenAI error body. Lines follow completion order; match them
/// by custom_id, as OpenAI's own output requires.
/// </summary>
internal sealed class OpenAiBatchResultWriter : IDisposable
{
    private readonly Stream _output;
    private readonly Utf8JsonWriter _json;
    private readonly string _model;
    private readonly int _dimensions;
    private readonly int _shard;
    private readonly Dictionary<(string Source, long Line), Pending> _pending = [];
    private long _written;

    public OpenAiBatchResultWriter(Stream output, string model, int dimensions, int shard)
    {
        _output = output;
        _json = new Utf8JsonWriter(output, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        _model = model;
        _dimensions = dimensions;
        _shard = shard;
    }

    public void Add(Document document, ReadOnlySpan<float> vector, int tokens)
    {
        if (document.Batch is not { } item) return;
        var key = (document.Source, document.Line);
        if (!_pending.TryGetValue(key, out var pending)) _pending[key] = pending = new Pending(item, _dimensions);
        vector.CopyTo(pending.Vectors.AsSpan(item.Index * _dimensions, _dimensions));
        pending.Tokens += tokens;
        if (++pending.Done < item.Count) return;
        _pending.Remove(key);
        Write(pending);
    }

    /// <summary>Answers the requests still incomplete (some input was a bad document) with an error, in file order.</summary>
    public void Complete()
    {
        foreach (var (_, pending) in _pending.OrderBy(p => p.Key.Source, StringComparer.Ordinal).ThenBy(p => p.Key.Line))
            Write(pending);
        _pending.Clear();
        _json.Flush();
    }

    private void Write(Pending pending)
    {
        var item = pending.Item;
        var id = $"batch_req_{_shard:D5}_{_written++}";
        _json.Reset(_output);
        _json.WriteStartObject();
        _json.WriteString("id", id);
        _json.WriteString("custom_id", item.CustomId);
        _json.WriteStartObject("response");
        var refusal = pending.Done < item.Count
            ? $"{item.Count - pending.Done} of the request's {item.Count} inputs could not be embedded; the job's _errors/ files say why"
            : item.Dimensions is int d && d != _dimensions ? $"the request asks for {d} dimensions; this job embeds {_dimensions} (--dimensions)" : null;
        _json.WriteNumber("status_code", refusal is null ? 200 : 400);
        _json.WriteString("request_id", id);
        _json.WriteStartObject("body");
        if (refusal is not null)
        {
            _json.WriteStartObject("error");
            _json.WriteString("message", refusal);
            _json.WriteString("type", "invalid_request_error");
            if (pending.Done < item.Count) _json.WriteString("param", "input");
            else _json.WriteString("param", "dimensions");
            _json.WriteNull("code");
            _json.WriteEndObject();
        }
        else
        {
            _json.WriteString("object", "list");
            _json.WriteStartArray("data");
            for (var i = 0; i < item.Count; i++)
            {
                var vector = pending.Vectors.AsSpan(i * _dimensions, _dimensions);
                _json.WriteStartObject();
                _json.WriteString("object", "embedding");
                _json.WriteNumber("index", i);
                if (item.Base64) _json.WriteBase64String("embedding", MemoryMarshal.AsBytes(vector));
                else
                {
                    _json.WriteStartArray("embedding");
                    foreach (var x in vector) _json.WriteNumberValue(x);
                    _json.WriteEndArray();
                }
                _json.WriteEndObject();
            }
            _json.WriteEndArray();
            _json.WriteString("model", item.Model ?? _model);
            _json.WriteStartObject("usage");
            _json.WriteNumber("prompt_tokens", pending.Tokens);
            _json.WriteNumber("total_tokens", pending.Tokens);
            _json.WriteEndObject();
        }
        _json.WriteEndObject();
        _json.WriteEndObject();
        _json.WriteNull("error");
        _json.WriteEndObject();
        _json.Flush();
        _output.WriteByte((byte)'\n');
    }

    public void Dispose() => _json.Dispose();

    private sealed class Pending(OpenAiBatchItem item, int dimensions)
    {
        public OpenAiBatchItem Item { get; } = item;
        public float[] Vectors { get; } = new float[item.Count * dimensions];
        public int Done { get; set; }
        public long Tokens { get; set; }
    }
}
