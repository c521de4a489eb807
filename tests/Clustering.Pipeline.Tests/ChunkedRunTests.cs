using System.Diagnostics;
using System.Text.Json;
using Clustering.Coordination;
using Clustering.Hosting;
using Clustering.Inference;
using Clustering.Inference.Cpu;
using Clustering.Jobs;
using Clustering.Parquet.Tests;
using Microsoft.Extensions.Logging.Abstractions;

namespace Clustering.Pipeline.Tests;

/// <summary>
/// <c>--chunk-tokens / --chunk-overlap</c> end to end: a chunked job over a multilingual sample, read back by DuckDB,
/// against Hugging Face tokenizers' windows (tests/tools/chunk-oracle.mjs): the same chunks per document, the same
/// code point offsets, DuckDB's <c>substring</c> cuts the window's passage, and each row's vector is the engine's for
/// HF's window ids.
/// </summary>
public sealed class ChunkedRunTests : IDisposable
{
    private const int ChunkTokens = 24, Overlap = 6;
    private readonly string _dir = Directory.CreateTempSubdirectory("clustering-chunks-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Chunks_of_a_multilingual_sample_match_hugging_face_windows_and_cut_back_with_duckdb()
    {
        var input = Path.Combine(_dir, "multilingual.jsonl");
        var texts = MultilingualSample(60);
        File.WriteAllLines(input, texts.Select((t, i) => JsonSerializer.Serialize(new { id = $"d{i:D3}", text = t, lang = $"l{i % 7}" })));
        var output = Path.Combine(_dir, "out");
        var spec = new JobSpecBuilder { Input = input, Output = output, ShardDocs = 25, KeepFields = ["lang"] }.Build();
        spec = spec with { Embed = spec.Embed with { ChunkTokens = ChunkTokens, ChunkOverlap = Overlap } };

        var result = await new EmbeddedRunner(NullLoggerFactory.Instance).RunAsync(spec, workers: 1, new JobProgress(), CancellationToken.None);

        Assert.Equal(JobState.Succeeded, result.State);
        Assert.Equal(0, result.Manifest.Errors);
        Assert.Equal(["chunk", "char_start", "char_end", "lang"], result.Manifest.Schema.Skip(4).Select(c => c.Name));
        var expected = Oracle(Path.Combine(TestCorpus.DemoModel, "tokenizer.json"), input);
        var rows = DuckDb.Query(
            $"SELECT p.id, p.chunk, p.char_start, p.char_end, p.n_tokens, p.truncated, p.lang, substring(j.text, p.char_start + 1, p.char_end - p.char_start), " +
            $"j.lang, p.embedding FROM read_parquet('{DuckDb.Glob(output)}') p JOIN read_json('{input.Replace("'", "''")}') j USING (id) ORDER BY p.id, p.chunk")[0];
        Assert.Equal(expected.Count, rows.Length);
        Assert.True(expected.Count > 3 * texts.Count, $"only {expected.Count} chunks for {texts.Count} documents: the sample should need several each");

        using var model = EmbeddingModel.Load(spec.Model, spec.Embed, new CpuOps(new CpuOptions()));
        var want = new float[expected.Count * model.Dimensions];
        model.Embed(expected.Select(e => e.GetProperty("ids").EnumerateArray().Select(v => v.GetInt32()).ToArray()).ToList(), want);
        int cleanDecodes = 0;
        for (var r = 0; r < rows.Length; r++)
        {
            var (row, e) = (rows[r], expected[r]);
            var what = $"{e.GetProperty("id").GetString()} chunk {e.GetProperty("chunk").GetInt32()}";
            Assert.Equal(e.GetProperty("id").GetString(), row[0].GetString());
            Assert.Equal(e.GetProperty("chunk").GetInt32(), row[1].GetInt32());
            Assert.Equal(e.GetProperty("char_start").GetInt32(), row[2].GetInt32());
            Assert.Equal(e.GetProperty("char_end").GetInt32(), row[3].GetInt32());
            Assert.Equal(e.GetProperty("n_tokens").GetInt32(), row[4].GetInt32());
            Assert.False(row[5].GetBoolean(), what);
            Assert.Equal(row[8].GetString(), row[6].GetString());
            Assert.Equal(e.GetProperty("slice").GetString(), row[7].GetString());
            // A window that starts or ends inside a character's bytes decodes with U+FFFD; every other one is its passage.
            var decoded = e.GetProperty("decoded").GetString()!;
            if (!decoded.Contains('\uFFFD'))
            {
                Assert.Equal(decoded, row[7].GetString());
                cleanDecodes++;
            }
            var vector = row[9].EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();
            EmbeddedRunTests.AssertClose(want.AsSpan(r * model.Dimensions, model.Dimensions).ToArray(), vector, what);
        }
        Assert.True(cleanDecodes > rows.Length / 2, $"{cleanDecodes} of {rows.Length} windows decode without a split character");
        // Every document's chunks: the last one ends at its last character (the windows cover all of it).
        foreach (var group in rows.GroupBy(r => r[0].GetString()!))
        {
            var text = texts[int.Parse(group.Key.AsSpan(1))];
            Assert.Equal(0, group.First()[2].GetInt32());
            Assert.Equal(text.EnumerateRunes().Count(), group.Last()[3].GetInt32());
        }
    }

    [Fact]
    public void A_character_normalization_composes_is_covered_whole_and_overlap_must_be_below_the_chunk()
    {
        using var model = EmbeddingModel.Load(TestCorpus.DemoModel, new EmbeddingOptions { MaxLength = 64 }, new CpuOps(new CpuOptions()));
        // "e" + U+0301 becomes "é" under NFC: the token holding it covers both original code points (Hugging Face's own
        // offsets leave the combining mark out of every token).
        var text = "cafe\u0301 ok";
        var chunks = model.Chunk(text, 2, 0);
        Assert.Equal(0, chunks[0].CharStart);
        Assert.Equal(text.Length, chunks[^1].CharEnd);
        Assert.Contains(chunks, c => c.CharEnd == 5 || c.CharStart <= 3 && c.CharEnd >= 5);
        Assert.All(chunks.Zip(chunks.Skip(1)), p => Assert.True(p.First.CharEnd <= p.Second.CharStart + 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Chunk(text, 4, 4));
        var tooLong = Assert.Throws<ClusteringException>(() => model.Chunk(text, 64, 0));
        Assert.Contains("--chunk-tokens 64", tooLong.Message);
        var spec = new JobSpecBuilder { Input = "a.jsonl", Output = "o" }.Build();
        Assert.Contains("--chunk-overlap", Assert.Throws<ClusteringException>(() => (spec with { Embed = spec.Embed with { ChunkTokens = 8, ChunkOverlap = 8 } }).Validate()).Message);
        Assert.Contains("--chunk-tokens", Assert.Throws<ClusteringException>(() => (spec with { Embed = spec.Embed with { ChunkOverlap = 2 } }).Validate()).Message);
    }

    /// <summary>NFC texts in many scripts (astral emoji, CJK, Devanagari, Arabic, Thai, code, blank lines), 5-60 sentences each.</summary>
    private static List<string> MultilingualSample(int count)
    {
        string[] sentences =
        [
            "The quick brown fox jumps over the lazy dog.", "Grüße aus Köln: Straße, Maß und Öl.", "東京は日本の首都です。", "北京欢迎你，长城很长。",
            "नमस्ते दुनिया, यह एक परीक्षण है।", "مرحبا بالعالم، هذا اختبار.", "Привет, мир! Это проверка.", "Γειά σου Κόσμε.", "สวัสดีชาวโลก",
            "emoji 😀🎉👩‍💻 and 🇫🇷 flags", "for (int i = 0; i < n; i++) { sum += a[i]; }\n", "\n\nA new paragraph after blank lines.",
            "Ünïcödé ñandú café déjà vu.", "한국어 문장도 있습니다.", "数学: ∑ x² ≤ ∞, π ≈ 3.14159", "  indented   spaces\tand tabs  ",
        ];
        var random = new Random(14);
        return Enumerable.Range(0, count).Select(_ =>
            string.Concat(Enumerable.Range(0, random.Next(5, 60)).Select(_ => sentences[random.Next(sentences.Length)] + (random.Next(3) == 0 ? "" : " ")))).ToList();
    }

    private List<JsonElement> Oracle(string tokenizer, string input)
    {
        var outPath = Path.Combine(_dir, "oracle.jsonl");
        var start = new ProcessStartInfo("node") { WorkingDirectory = RepoPaths.Tools, RedirectStandardError = true };
        foreach (var a in new[] { Path.Combine(RepoPaths.Tools, "chunk-oracle.mjs"), tokenizer, input, $"{ChunkTokens}", $"{Overlap}", outPath }) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"chunk-oracle.mjs failed: {stderr}");
        return File.ReadAllLines(outPath).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
    }
}
