using System.Buffers.Binary;
using System.Text.Json;

namespace Clustering.Parquet.Tests;

/// <summary>
/// Every file of <see cref="ReadbackMatrixFixture"/> is read by DuckDB and by hyparquet; each reader must see
/// our schema, row count, row groups, codec, encodings, statistics, key-value metadata and every value.
/// </summary>
public sealed class EmbeddingFileReadbackTests(ReadbackMatrixFixture fixture) : IClassFixture<ReadbackMatrixFixture>
{
    public static TheoryData<string> CaseNames()
    {
        var data = new TheoryData<string>();
        foreach (var c in ReadbackMatrixFixture.Cases) data.Add(c.Name);
        return data;
    }

    private EmbeddingFileCase Case(string name) => ReadbackMatrixFixture.Cases.Single(c => c.Name == name);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void DuckDbReadsSchemaAndTypes(string name)
    {
        var c = Case(name);
        var duck = DuckDb(name);
        var columns = duck.GetProperty("columns").EnumerateArray().Select(e => (e.GetProperty("name").GetString()!, e.GetProperty("type").GetString()!)).ToArray();
        Assert.Equal(["id", "embedding", "n_tokens", "truncated", "source", "title"], columns.Select(x => x.Item1).ToArray());
        Assert.Equal("VARCHAR", columns[0].Item2);
        // DuckDB ignores ARROW:schema, so the fixed form reads as a list too: FLOAT[].
        Assert.Equal("FLOAT[]", columns[1].Item2);
        Assert.Equal("INTEGER", columns[2].Item2);
        Assert.Equal("BOOLEAN", columns[3].Item2);
        Assert.Equal("VARCHAR", columns[4].Item2);
        Assert.Equal("VARCHAR", columns[5].Item2);

        var schema = duck.GetProperty("schema").EnumerateArray().ToArray();
        string Describe(JsonElement e) =>
            $"{e.GetProperty("name").GetString()}|{Text(e, "type")}|{Text(e, "repetition_type")}|{Text(e, "converted_type")}|{Text(e, "logical_type")}";
        Assert.Equal(
            [
                "schema||||",
                "id|BYTE_ARRAY|REQUIRED|UTF8|StringType()",
                "embedding||REQUIRED|LIST|ListType()",
                "list||REPEATED||",
                "element|FLOAT|REQUIRED||",
                // DuckDB prints the i8 bitWidth as a character: 32 is a space.
                "n_tokens|INT32|REQUIRED|INT_32|IntType(bitWidth= , isSigned=1)",
                "truncated|BOOLEAN|REQUIRED||",
                "source|BYTE_ARRAY|OPTIONAL|UTF8|StringType()",
                "title|BYTE_ARRAY|OPTIONAL|UTF8|StringType()",
            ],
            schema.Select(Describe).ToArray());
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void DuckDbReadsFileMetadataAndKeyValues(string name)
    {
        var c = Case(name);
        var (_, rows, result) = fixture.Written[name];
        var duck = DuckDb(name);
        var file = duck.GetProperty("file");
        Assert.Equal(rows.Count, file.GetProperty("num_rows").GetInt64());
        Assert.Equal(result.RowGroups, file.GetProperty("num_row_groups").GetInt64());
        Assert.Equal(ParquetWriteOptions.DefaultCreatedBy, file.GetProperty("created_by").GetString());
        Assert.StartsWith("Clustering.Parquet version ", ParquetWriteOptions.DefaultCreatedBy);

        var kv = duck.GetProperty("kv").EnumerateArray().ToDictionary(e => e.GetProperty("key").GetString()!, e => e.GetProperty("value").GetString());
        AssertMetadata(c, kv);
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void DuckDbReadsEveryValue(string name)
    {
        var (_, rows, _) = fixture.Written[name];
        AssertRows(rows, DuckDb(name).GetProperty("rows"), "DuckDB");
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void DuckDbSeesCodecEncodingsAndStatistics(string name)
    {
        var c = Case(name);
        var (_, rows, result) = fixture.Written[name];
        var chunks = DuckDb(name).GetProperty("chunks").EnumerateArray().ToArray();
        Assert.Equal(result.RowGroups * 6, chunks.Length);
        if (rows.Count == 0) return;

        string codec = c.Compression switch
        {
            CompressionCodec.None => "UNCOMPRESSED",
            CompressionCodec.Snappy => "SNAPPY",
            CompressionCodec.Gzip => "GZIP",
            _ => "ZSTD",
        };
        Assert.All(chunks, chunk => Assert.Equal(codec, chunk.GetProperty("compression").GetString()));
        Assert.Equal(rows.Count, chunks.Where(ch => ch.GetProperty("column_id").GetInt32() == 0).Sum(ch => ch.GetProperty("row_group_num_rows").GetInt64()));

        // Row group by row group: statistics recomputed here from the rows must match the footer's.
        long firstRow = 0;
        foreach (var group in chunks.GroupBy(ch => ch.GetProperty("row_group_id").GetInt64()).OrderBy(g => g.Key))
        {
            var columns = group.OrderBy(ch => ch.GetProperty("column_id").GetInt32()).ToArray();
            int groupRows = (int)columns[0].GetProperty("row_group_num_rows").GetInt64();
            var slice = rows.Skip((int)firstRow).Take(groupRows).ToArray();
            firstRow += groupRows;

            Assert.Equal("id", columns[0].GetProperty("path_in_schema").GetString());
            Assert.Equal("embedding, list, element", columns[1].GetProperty("path_in_schema").GetString());
            Assert.Equal((long)groupRows * c.Dimensions, columns[1].GetProperty("num_values").GetInt64());

            var ids = slice.Select(r => r.Id).ToArray();
            Assert.Equal(ids.Min(StringComparer.Ordinal), columns[0].GetProperty("stats_min_value").GetString());
            Assert.Equal(ids.Max(StringComparer.Ordinal), columns[0].GetProperty("stats_max_value").GetString());
            Assert.Equal(0, columns[0].GetProperty("stats_null_count").GetInt64());
            Assert.Equal(slice.Min(r => r.NTokens).ToString(), columns[2].GetProperty("stats_min_value").GetString());
            Assert.Equal(slice.Max(r => r.NTokens).ToString(), columns[2].GetProperty("stats_max_value").GetString());
            var floats = slice.SelectMany(r => r.Embedding).Where(f => !float.IsNaN(f)).ToArray();
            Assert.Equal(floats.Min(), float.Parse(columns[1].GetProperty("stats_min_value").GetString()!));
            Assert.Equal(floats.Max(), float.Parse(columns[1].GetProperty("stats_max_value").GetString()!));
            for (int k = 0; k < 2; k++)
            {
                var kept = columns[4 + k];
                Assert.Equal(slice.Count(r => r.Kept[k] is null), kept.GetProperty("stats_null_count").GetInt64());
                var present = slice.Select(r => r.Kept[k]).OfType<string>().ToArray();
                if (present.Length > 0)
                {
                    Assert.Equal(present.Min(StringComparer.Ordinal), kept.GetProperty("stats_min_value").GetString());
                    Assert.Equal(present.Max(StringComparer.Ordinal), kept.GetProperty("stats_max_value").GetString());
                }
            }

            // "source" has a handful of distinct values: dictionary encoding pays. "title" is unique per row: it does not.
            string sourceEncodings = columns[4].GetProperty("encodings").GetString()!;
            string titleEncodings = columns[5].GetProperty("encodings").GetString()!;
            if (c.Dictionary && slice.Any(r => r.Kept[0] is not null))
            {
                Assert.Contains("RLE_DICTIONARY", sourceEncodings);
                Assert.NotEqual(JsonValueKind.Null, columns[4].GetProperty("dictionary_page_offset").ValueKind);
            }
            else
            {
                Assert.DoesNotContain("DICTIONARY", sourceEncodings);
            }
            Assert.DoesNotContain("DICTIONARY", titleEncodings);
            Assert.Equal(JsonValueKind.Null, columns[5].GetProperty("dictionary_page_offset").ValueKind);
            Assert.DoesNotContain("DICTIONARY", columns[1].GetProperty("encodings").GetString()!);
        }
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void HyparquetReadsSchemaMetadataAndEveryValue(string name)
    {
        var c = Case(name);
        var (_, rows, result) = fixture.Written[name];
        var hy = fixture.Read[name].GetProperty("hyparquet");
        Assert.False(hy.TryGetProperty("error", out var error), error.ToString());
        Assert.Equal(rows.Count, hy.GetProperty("numRows").GetInt64());
        Assert.Equal(ParquetWriteOptions.DefaultCreatedBy, hy.GetProperty("createdBy").GetString());
        string Describe(JsonElement e) =>
            $"{e.GetProperty("name").GetString()}|{Text(e, "type")}|{Text(e, "repetition_type")}|{Text(e, "converted_type")}|{Text(e, "logical_type")}";
        Assert.Equal(
            [
                "schema||||",
                """id|BYTE_ARRAY|REQUIRED|UTF8|{"type":"STRING"}""",
                """embedding||REQUIRED|LIST|{"type":"LIST"}""",
                "list||REPEATED||",
                "element|FLOAT|REQUIRED||",
                """n_tokens|INT32|REQUIRED|INT_32|{"type":"INTEGER","bitWidth":32,"isSigned":true}""",
                "truncated|BOOLEAN|REQUIRED||",
                """source|BYTE_ARRAY|OPTIONAL|UTF8|{"type":"STRING"}""",
                """title|BYTE_ARRAY|OPTIONAL|UTF8|{"type":"STRING"}""",
            ],
            hy.GetProperty("schema").EnumerateArray().Select(Describe).ToArray());
        var groups = hy.GetProperty("rowGroups").EnumerateArray().ToArray();
        Assert.Equal(result.RowGroups, groups.Length);
        Assert.Equal(rows.Count, groups.Sum(g => g.GetProperty("numRows").GetInt64()));
        // parquet.thrift's names: our CompressionCodec.None is its UNCOMPRESSED.
        string codec = c.Compression == CompressionCodec.None ? "UNCOMPRESSED" : c.Compression.ToString().ToUpperInvariant();
        Assert.All(groups.SelectMany(g => g.GetProperty("columns").EnumerateArray()), ch => Assert.Equal(codec, ch.GetProperty("codec").GetString()));

        var kv = hy.GetProperty("kv").EnumerateArray().ToDictionary(e => e.GetProperty("key").GetString()!, e => e.GetProperty("value").GetString());
        AssertMetadata(c, kv);
        AssertRows(rows, hy.GetProperty("rows"), "hyparquet");
    }

    private JsonElement DuckDb(string name)
    {
        var duck = fixture.Read[name].GetProperty("duckdb");
        Assert.False(duck.TryGetProperty("error", out var error), error.ToString());
        return duck;
    }

    private static void AssertMetadata(EmbeddingFileCase c, Dictionary<string, string?> kv)
    {
        var m = EmbeddingFileCase.Metadata;
        Assert.Equal(m.ModelId, kv[EmbeddingMetadata.KeyModelId]);
        Assert.Equal(m.ModelRevision, kv[EmbeddingMetadata.KeyModelRevision]);
        Assert.Equal(c.Dimensions.ToString(), kv[EmbeddingMetadata.KeyDimensions]);
        Assert.Equal("last_token", kv[EmbeddingMetadata.KeyPooling]);
        Assert.Equal("true", kv[EmbeddingMetadata.KeyNormalized]);
        Assert.Equal(m.Prompt, kv[EmbeddingMetadata.KeyPrompt]);
        Assert.Equal("bf16", kv[EmbeddingMetadata.KeyDtype]);
        Assert.Equal(m.JobId, kv[EmbeddingMetadata.KeyJobId]);
        Assert.Equal(m.ToolVersion, kv[EmbeddingMetadata.KeyToolVersion]);
        Assert.Equal(c.Name, kv["test.case"]);
        Assert.Equal(c.VectorType == VectorType.Fixed, kv.ContainsKey("ARROW:schema"));
        Assert.Equal(c.VectorType == VectorType.Fixed ? 11 : 10, kv.Count);
    }

    private static void AssertRows(IReadOnlyList<EmbeddingFileCase.Row> expected, JsonElement actualRows, string reader)
    {
        var actual = actualRows.EnumerateArray().ToArray();
        Assert.Equal(expected.Count, actual.Length);
        for (int i = 0; i < expected.Count; i++)
        {
            var e = expected[i];
            var a = actual[i].EnumerateArray().ToArray();
            string where = $"{reader}, row {i}";
            Assert.True(e.Id == a[0].GetString(), $"{where}: id {a[0]} != {e.Id}");
            AssertFloats(e.Embedding, a[1].GetProperty("f32").GetString()!, where);
            Assert.True(e.NTokens == a[2].GetInt32(), $"{where}: n_tokens {a[2]} != {e.NTokens}");
            Assert.True(e.Truncated == a[3].GetBoolean(), $"{where}: truncated {a[3]} != {e.Truncated}");
            for (int k = 0; k < e.Kept.Length; k++)
            {
                string? value = a[4 + k].ValueKind == JsonValueKind.Null ? null : a[4 + k].GetString();
                Assert.True(e.Kept[k] == value, $"{where}: kept field {k} '{value}' != '{e.Kept[k]}'");
            }
        }
    }

    /// <summary>Bit-exact, except that a NaN only has to stay a NaN (JavaScript canonicalises NaN payloads).</summary>
    private static void AssertFloats(float[] expected, string base64, string where)
    {
        var bytes = Convert.FromBase64String(base64);
        Assert.True(expected.Length * 4 == bytes.Length, $"{where}: {bytes.Length / 4} floats, expected {expected.Length}");
        for (int d = 0; d < expected.Length; d++)
        {
            float actual = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(4 * d));
            bool same = float.IsNaN(expected[d])
                ? float.IsNaN(actual)
                : BitConverter.SingleToInt32Bits(expected[d]) == BitConverter.SingleToInt32Bits(actual);
            Assert.True(same, $"{where}, dimension {d}: {actual:R} != {expected[d]:R}");
        }
    }

    private static string Text(JsonElement e, string property) =>
        e.TryGetProperty(property, out var v) && v.ValueKind != JsonValueKind.Null ? v.ToString() : "";
}
