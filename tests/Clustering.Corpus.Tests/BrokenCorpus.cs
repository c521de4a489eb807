using System.Text;

namespace Clustering.Corpus.Tests;

/// <summary>
/// A generated corpus of 10,000 JSON lines over several files (plain, CRLF with a BOM, nested folder, gzip, a final
/// line without newline), 500 of them broken in every way we know, plus the expected outcome of each line: the
/// independent oracle the reading tests compare against.
/// </summary>
internal sealed class BrokenCorpus
{
    public const int MaxDocumentBytes = 64 << 10;

    public sealed record Expected(string Source, long Line, string? Id, string? Text, string? ErrorContains);

    public List<Expected> Lines { get; } = [];

    /// <summary>Lines of each bad kind (every 20th line is bad, the kinds take turns).</summary>
    public static int BadKindCount => 10_000 / 20 / BadKinds.Length;

    public static readonly string[] BadKinds =
    [
        "malformed", "utf8", "missing-text", "missing-id", "text-number", "not-object", "oversize", "id-bool",
        "trailing", "text-null",
    ];

    /// <summary>Writes the files under <paramref name="folder"/>/corpus and returns the expectations.</summary>
    public static BrokenCorpus Write(TempFolder folder)
    {
        var corpus = new BrokenCorpus();
        var random = new Random(20261122);
        var lineNumber = 0;
        // (relative path, lines, crlf+bom, gzip, final line without newline: null | "complete" | "truncated")
        (string Path, int Lines, bool Crlf, bool Gzip, string? Final)[] files =
        [
            ("a.jsonl", 4000, false, false, null),
            ("b.jsonl", 2000, true, false, null),
            ("sub/c.jsonl", 1500, false, false, "complete"),
            ("d.jsonl.gz", 1500, false, true, null),
            ("e.jsonl", 700, false, false, null),
            ("sub/deeper/f.ndjson", 200, false, false, "truncated"),
            ("g.jsonl", 100, true, false, "complete"),
        ];
        var global = 0;
        foreach (var (path, count, crlf, gzip, final) in files)
        {
            var name = folder.Path + "/corpus/" + path;
            var bytes = new MemoryStream();
            if (crlf) bytes.Write([0xEF, 0xBB, 0xBF]);
            var newline = crlf ? "\r\n"u8.ToArray() : "\n"u8.ToArray();
            for (var line = 1; line <= count; line++, global++)
            {
                var isLast = line == count;
                byte[] content;
                Expected expected;
                if (isLast && final == "truncated")
                {
                    content = Encoding.UTF8.GetBytes("{\"id\":\"cut\",\"text\":\"this line stops mid-str");
                    expected = new Expected(name, line, null, null, "malformed JSON");
                }
                else if (global % 20 == 7)
                {
                    (content, expected) = Bad(BadKinds[(global / 20) % BadKinds.Length], name, line, global, random);
                }
                else if (global % 97 == 3)
                {
                    content = "   \t"u8.ToArray(); // blank: neither document nor error
                    expected = new Expected(name, line, null, null, null);
                }
                else (content, expected) = Good(name, line, global, random);
                bytes.Write(content);
                if (!(isLast && final is not null)) bytes.Write(newline);
                corpus.Lines.Add(expected);
                lineNumber++;
            }
            var data = bytes.ToArray();
            folder.Write("corpus/" + path, gzip ? CorpusTestKit.Gzip(data) : data);
        }
        return corpus;
    }

    private static readonly string[] Words = ["alpha", "βeta", "γάμμα", "数据", "emoji 🙂", "quote \"q\"", "back\\slash", "tab\t", "naïve", "ünïcödé"];

    private static (byte[], Expected) Good(string source, int line, int global, Random random)
    {
        var text = string.Join(' ', Enumerable.Range(0, 3 + random.Next(20)).Select(_ => Words[random.Next(Words.Length)]));
        if (global % 50 == 11) text = ""; // an empty text is a valid document
        var numericId = global % 13 == 5;
        var id = numericId ? (1_000_000 + global).ToString() : $"doc-{global}";
        var json = System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["meta"] = new Dictionary<string, object> { ["lang"] = "xx", ["n"] = global },
            ["text"] = text,
            ["id"] = numericId ? 1_000_000 + global : id,
        });
        return (Encoding.UTF8.GetBytes(json), new Expected(source, line, id, text, null));
    }

    private static (byte[], Expected) Bad(string kind, string source, int line, int global, Random random)
    {
        string json;
        switch (kind)
        {
            case "malformed":
                json = $"{{\"id\":\"bad-{global}\",\"text\":\"unterminated}}";
                return (Encoding.UTF8.GetBytes(json), new Expected(source, line, null, null, "malformed JSON"));
            case "utf8":
                var bytes = Encoding.UTF8.GetBytes($"{{\"id\":\"bad-{global}\",\"text\":\"abc");
                return ([.. bytes, 0xC3, 0x28, .. "\"}"u8], new Expected(source, line, null, null, $"invalid UTF-8 at byte {bytes.Length}"));
            case "missing-text":
                json = $"{{\"id\":\"bad-{global}\",\"body\":\"no text here\"}}";
                return (Encoding.UTF8.GetBytes(json), new Expected(source, line, null, null, "missing text field 'text'"));
            case "missing-id":
                json = $"{{\"text\":\"anonymous {global}\"}}";
                return (Encoding.UTF8.GetBytes(json), new Expected(source, line, $"{source}:{line}", $"anonymous {global}", null));
            case "text-number":
                json = $"{{\"id\":\"bad-{global}\",\"text\":{global}}}";
                return (Encoding.UTF8.GetBytes(json), new Expected(source, line, null, null, "text field 'text' is a JSON number, not a string"));
            case "not-object":
                json = $"[\"bad-{global}\", \"an array\"]";
                return (Encoding.UTF8.GetBytes(json), new Expected(source, line, null, null, "the line is a JSON array, not an object"));
            case "oversize":
                json = $"{{\"id\":\"bad-{global}\",\"text\":\"{new string('x', MaxDocumentBytes + random.Next(100_000))}\"}}";
                return (Encoding.UTF8.GetBytes(json), new Expected(source, line, null, null, $"line of {Encoding.UTF8.GetByteCount(json)} bytes is over --max-document-bytes {MaxDocumentBytes}"));
            case "id-bool":
                json = $"{{\"id\":true,\"text\":\"bad-{global}\"}}";
                return (Encoding.UTF8.GetBytes(json), new Expected(source, line, null, null, "id field 'id' is a JSON boolean, not a string or number"));
            case "trailing":
                json = $"{{\"id\":\"bad-{global}\",\"text\":\"x\"}} trailing";
                return (Encoding.UTF8.GetBytes(json), new Expected(source, line, null, null, "malformed JSON"));
            case "text-null":
                json = $"{{\"id\":\"bad-{global}\",\"text\":null}}";
                return (Encoding.UTF8.GetBytes(json), new Expected(source, line, null, null, "text field 'text' is a JSON null, not a string"));
            default:
                throw new ArgumentOutOfRangeException(kind);
        }
    }
}
