using System.Text;
using System.Text.Json;
using Clustering.Parquet;
using Clustering.Pipeline.Tests;
using Clustering.Storage;

namespace Clustering.Corpus.Tests;

/// <summary>
/// Parquet corpora written by DuckDB (the oracle, which also reads them back) and by our own writer: plain and
/// dictionary strings, nulls, several row groups, every codec, struct members by dotted path; shards of row groups
/// planned from the footer alone; bad rows to errors with row group and row; bad files refused whole.
/// </summary>
public sealed class ParquetInputTests
{
    private const int Rows = 10_000;

    /// <summary>
    /// 10,000 rows in row groups of 2,048: <c>text</c> (unique strings, plain; null on every 7th row from 3),
    /// <c>lang</c> (three values: dictionary), <c>doc</c> a struct of <c>body</c> (null when i % 11 = 5), <c>key</c>, <c>n</c>.
    /// </summary>
    private static string WriteDuckDb(TempFolder t, string name, string compression)
    {
        var path = Path.Combine(t.Path, name);
        DuckDb.Query($"""
            COPY (SELECT i AS id,
                         CASE WHEN i % 7 = 3 THEN NULL ELSE 'document ' || i || ' ' || repeat(chr(65 + (i % 26)::INT), (i % 13)::INT) || ' ü€𝄞' END AS text,
                         ['en', 'de', 'fr'][1 + i % 3] AS lang,
                         {'{'}'body': CASE WHEN i % 11 = 5 THEN NULL ELSE 'nested ' || i END, 'key': 'k' || i, 'n': i * 3{'}'} AS doc
                  FROM range({Rows}) t(i))
            TO '{DuckDb.Quote(path)}' (FORMAT parquet, ROW_GROUP_SIZE 2048, COMPRESSION {compression})
            """);
        return path;
    }

    /// <summary>DuckDB's reading of the columns, in file order.</summary>
    private static JsonElement[][] Oracle(string path, string columns) =>
        DuckDb.Query($"SELECT {columns} FROM read_parquet('{DuckDb.Quote(path)}') ORDER BY file_row_number")[0];

    private static CorpusOptions Options(string text = "text", string id = "id", params string[] keep) =>
        new() { TextField = text, IdField = id, KeepFields = keep };

    [Theory]
    [InlineData("snappy")]
    [InlineData("zstd")]
    [InlineData("gzip")]
    [InlineData("uncompressed")]
    public async Task DuckDb_files_read_as_DuckDb_reads_them_with_null_texts_as_errors(string compression)
    {
        using var t = new TempFolder();
        var path = WriteDuckDb(t, $"corpus-{compression}.parquet", compression);
        var groups = DuckDb.Query($"SELECT row_group_id, any_value(row_group_num_rows) FROM parquet_metadata('{DuckDb.Quote(path)}') GROUP BY ALL ORDER BY 1")[0];
        Assert.True(groups.Length >= 4, $"DuckDB wrote {groups.Length} row groups");

        var (plan, records) = await CorpusTestKit.PlanAndReadAsync([path], Options(keep: "lang"), 3000);

        // Shards from the footer: one per row group here (two of 2,048 rows exceed 3,000).
        Assert.Equal(groups.Length, plan.Shards.Count);
        Assert.All(plan.Shards, s => Assert.Equal(1, Assert.Single(s.Slices).RowGroups));
        Assert.Equal(groups.Select(g => g[1].GetInt64()), plan.Shards.Select(s => s.Documents));

        var oracle = Oracle(path, "id, text, lang");
        Assert.Equal(Rows, oracle.Length);
        Assert.Equal(Rows, records.Count);
        long groupStart = 0;
        var group = 0;
        for (var i = 0; i < Rows; i++)
        {
            if (i - groupStart >= groups[group][1].GetInt64()) { groupStart += groups[group][1].GetInt64(); group++; }
            var row = oracle[i];
            if (row[1].ValueKind == JsonValueKind.Null)
            {
                var error = Assert.IsType<DocumentError>(records[i]);
                Assert.Equal($"row group {group}, row {i - groupStart}: text column 'text' is null", error.Reason);
                Assert.Equal(i + 1, error.Line);
                continue;
            }
            var d = Assert.IsType<Document>(records[i]);
            Assert.Equal(row[0].GetInt64().ToString(), d.Id);
            Assert.Equal(row[1].GetString(), d.Text);
            Assert.Equal(new[] { row[2].GetString() }, d.KeptFields.AsEnumerable());
            Assert.Equal(path, d.Source);
            Assert.Equal(i + 1, d.Line);
        }
        Assert.Equal(oracle.Count(r => r[1].ValueKind == JsonValueKind.Null), records.OfType<DocumentError>().Count());
    }

    [Fact]
    public async Task Struct_members_by_dotted_path_for_text_id_and_kept_fields()
    {
        using var t = new TempFolder();
        var path = WriteDuckDb(t, "nested.parquet", "zstd");
        var (_, records) = await CorpusTestKit.PlanAndReadAsync([path], Options(text: "doc.body", id: "doc.key", "doc.n", "lang", "doc.absent"), 4000);
        var oracle = Oracle(path, "doc.body, doc.key, doc.n, lang");
        Assert.Equal(Rows, records.Count);
        for (var i = 0; i < Rows; i++)
        {
            if (oracle[i][0].ValueKind == JsonValueKind.Null)
            {
                Assert.EndsWith(": text column 'doc.body' is null", Assert.IsType<DocumentError>(records[i]).Reason);
                continue;
            }
            var d = Assert.IsType<Document>(records[i]);
            Assert.Equal(oracle[i][0].GetString(), d.Text);
            Assert.Equal(oracle[i][1].GetString(), d.Id);
            Assert.Equal(new[] { oracle[i][2].GetInt64().ToString(), oracle[i][3].GetString(), null }, d.KeptFields.AsEnumerable());
        }
    }

    [Theory]
    [InlineData(1000, 14)] // each group of 2,048 is cut into pieces of 1,000, 1,000 and 48; the last group of 1,808 into two
    [InlineData(5000, 3)]  // whole groups, two at a time
    [InlineData(20000, 1)] // the whole file
    public async Task Shards_are_runs_of_row_groups_and_every_row_comes_once(int shardDocs, int shards)
    {
        using var t = new TempFolder();
        var path = WriteDuckDb(t, "shards.parquet", "snappy");
        var (plan, records) = await CorpusTestKit.PlanAndReadAsync([path], Options(), shardDocs);
        Assert.Equal(shards, plan.Shards.Count);
        var ids = records.OfType<Document>().Select(d => d.Id).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal(Rows, records.Count);
        Assert.Equal(Enumerable.Range(1, Rows).Select(i => (long)i), records.Select(r => r.Line));
        var plain = DuckDb.Query($"SELECT count(*) FROM read_parquet('{DuckDb.Quote(path)}') WHERE text IS NOT NULL")[0][0][0].GetInt64();
        Assert.Equal(plain, ids.Count);
        // A plan survives its JSON (what the store keeps).
        Assert.Equal(plan.ToJson(), ShardPlan.FromJson(plan.ToJson()).ToJson());
    }

    [Fact]
    public async Task Files_from_our_writer_with_dictionary_and_plain_strings_and_several_row_groups()
    {
        using var t = new TempFolder();
        var expected = new List<(string Id, string? Text, string Lang)>();
        foreach (var (name, compression) in new[] { ("ours-zstd.parquet", CompressionCodec.Zstd), ("ours-none.parquet", CompressionCodec.None) })
        {
            var schema = new ParquetSchema([ParquetColumn.String("id"), ParquetColumn.String("text", optional: true), ParquetColumn.String("lang")]);
            await using (var file = File.Create(Path.Combine(t.Path, name)))
            using (var writer = new ParquetFileWriter(file, schema, new ParquetWriteOptions { Compression = compression, RowGroupTargetBytes = 32 << 10 }))
            {
                for (var i = 0; i < 3000; i++)
                {
                    var text = i % 9 == 4 ? null : $"{name} row {i} {new string('x', i % 50)} – ✓";
                    writer.Strings(0).Append($"{name}#{i}");
                    writer.Strings(1).Append(text);
                    writer.Strings(2).Append(i % 2 == 0 ? "en" : "sv");
                    writer.EndBatch();
                    expected.Add(($"{name}#{i}", text, i % 2 == 0 ? "en" : "sv"));
                }
                writer.Complete();
            }
        }
        var groups = DuckDb.Query($"SELECT count(DISTINCT row_group_id) FROM parquet_metadata('{DuckDb.Quote(t.Path)}/ours-zstd.parquet')")[0][0][0].GetInt64();
        Assert.True(groups > 1, $"{groups} row group");

        var (_, records) = await CorpusTestKit.PlanAndReadAsync([t.Path], Options(keep: "lang"), 700);
        // Files are taken in name order: ours-none before ours-zstd.
        var inOrder = expected.Skip(3000).Concat(expected.Take(3000)).ToList();
        Assert.Equal(inOrder.Count, records.Count);
        for (var i = 0; i < records.Count; i++)
        {
            if (inOrder[i].Text is null) Assert.EndsWith("text column 'text' is null", Assert.IsType<DocumentError>(records[i]).Reason);
            else
            {
                var d = Assert.IsType<Document>(records[i]);
                Assert.Equal((inOrder[i].Id, inOrder[i].Text, inOrder[i].Lang), (d.Id, d.Text, d.KeptFields[0]!));
            }
        }
    }

    [Fact]
    public async Task Invalid_UTF8_and_a_missing_text_column_go_to_errors_with_row_group_and_row()
    {
        using var t = new TempFolder();
        var path = Path.Combine(t.Path, "bad-utf8.parquet");
        DuckDb.Query($"""
            COPY (SELECT i AS id, CASE WHEN i = 3 THEN 'zzINVALIDzz' ELSE 'fine ' || i END AS text FROM range(10) t(i))
            TO '{DuckDb.Quote(path)}' (FORMAT parquet, COMPRESSION uncompressed)
            """);
        var bytes = File.ReadAllBytes(path);
        var patched = Encoding.Latin1.GetString(bytes).Replace("INVALID", "\u00ff\u00fe\u00c3\u0028\u00a0\u00a1\u0080");
        File.WriteAllBytes(path, Encoding.Latin1.GetBytes(patched));

        var (_, records) = await CorpusTestKit.PlanAndReadAsync([path], Options(), 100);
        Assert.Equal(10, records.Count);
        var error = Assert.IsType<DocumentError>(records[3]);
        Assert.Equal($"{path}:4: row group 0, row 3: text column 'text': invalid UTF-8 at byte 2", error.ToString());
        Assert.Equal(9, records.OfType<Document>().Count());

        var (_, missing) = await CorpusTestKit.PlanAndReadAsync([path], Options(text: "body"), 100);
        Assert.Equal(10, missing.Count);
        Assert.Equal($"{path}:10: row group 0, row 9: no text column 'body' in the file", Assert.IsType<DocumentError>(missing[9]).ToString());
    }

    [Fact]
    public async Task Not_Parquet_truncated_and_unusable_columns_are_file_level_errors_at_planning()
    {
        using var t = new TempFolder();
        var json = t.Write("json.parquet", "{\"id\": 1, \"text\": \"not parquet at all\"}\n");
        var e = await Assert.ThrowsAsync<InputFileException>(() => CorpusTestKit.PlanAndReadAsync([json], Options(), 100));
        Assert.Equal($"{json}: not a Parquet file (it does not start with PAR1)", e.Message);

        var whole = WriteDuckDb(t, "whole.parquet", "snappy");
        var cut = t.Write("cut.parquet", File.ReadAllBytes(whole)[..^100]);
        e = await Assert.ThrowsAsync<InputFileException>(() => CorpusTestKit.PlanAndReadAsync([cut], Options(), 100));
        Assert.Equal($"{cut}: truncated Parquet file (it does not end with PAR1, so its footer is missing)", e.Message);

        e = await Assert.ThrowsAsync<InputFileException>(() => CorpusTestKit.PlanAndReadAsync([whole], Options(text: "id"), 100));
        Assert.Equal($"{whole}: --text-field 'id' is of type INT64/INT_64, not a string", e.Message);
        e = await Assert.ThrowsAsync<InputFileException>(() => CorpusTestKit.PlanAndReadAsync([whole], Options(keep: "doc"), 100));
        Assert.Equal($"{whole}: --keep-fields 'doc' is a struct; name one of its members ('doc.NAME')", e.Message);
    }

    [Fact]
    public async Task Planning_reads_only_the_ends_of_a_file_and_a_store_read_gives_the_same_documents()
    {
        using var t = new TempFolder();
        var path = Path.Combine(t.Path, "big.parquet");
        DuckDb.Query($"""
            COPY (SELECT i AS id, 'row ' || i || ' ' || md5(i::VARCHAR) || md5((i * 7)::VARCHAR) AS text FROM range(300000) t(i))
            TO '{DuckDb.Quote(path)}' (FORMAT parquet, ROW_GROUP_SIZE 16384, COMPRESSION uncompressed)
            """);
        var size = new FileInfo(path).Length;
        Assert.True(size > 20_000_000, $"{size} bytes");

        var counting = new CountingStore(new LocalBlobStore(t.Path));
        var stores = new InputStores(new LocationResolver(mounts: new Dictionary<string, IBlobStore> { ["count://root/"] = counting }));
        var inputs = await new InputResolver(stores).ResolveAsync(["count://root/big.parquet"]);
        var plan = await new ShardPlanner(stores).PlanAsync(inputs, Options(), 100_000);
        Assert.InRange(counting.BytesRead, 1, 256 << 10); // the first 64 KiB, the last 64 KiB and the footer
        Assert.Equal(300_000, plan.Documents);

        var count = 0L;
        var reader = new ShardReader(stores, Options());
        for (var s = 0; s < plan.Shards.Count; s++)
            await foreach (var record in reader.ReadAsync(plan.SpecOf(s)))
            {
                var d = Assert.IsType<Document>(record);
                Assert.Equal((count++).ToString(), d.Id);
            }
        Assert.Equal(300_000, count);
        Assert.InRange(counting.BytesRead, size / 2, size * 2); // the column chunks, once each (plus ends)
    }

    /// <summary>A store that counts the bytes its reads return: the probe for footer-only planning.</summary>
    private sealed class CountingStore(IBlobStore inner) : IBlobStore
    {
        private long _bytes;
        public long BytesRead => Interlocked.Read(ref _bytes);
        public string DisplayName => inner.DisplayName;
        public IAsyncEnumerable<BlobItem> ListAsync(string prefix, CancellationToken cancellationToken = default) => inner.ListAsync(prefix, cancellationToken);
        public Task<BlobItem?> GetPropertiesAsync(string key, CancellationToken cancellationToken = default) => inner.GetPropertiesAsync(key, cancellationToken);
        public Task<BlobItem> WriteAsync(string key, Stream content, WriteCondition condition = default, CancellationToken cancellationToken = default) =>
            inner.WriteAsync(key, content, condition, cancellationToken);
        public Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) => inner.DeleteAsync(key, cancellationToken);

        public async Task<Stream> OpenReadAsync(string key, long offset = 0, long? length = null, CancellationToken cancellationToken = default)
        {
            var stream = await inner.OpenReadAsync(key, offset, length, cancellationToken);
            var buffer = new MemoryStream();
            await stream.CopyToAsync(buffer, cancellationToken);
            await stream.DisposeAsync();
            Interlocked.Add(ref _bytes, buffer.Length);
            buffer.Position = 0;
            return buffer;
        }
    }
}
