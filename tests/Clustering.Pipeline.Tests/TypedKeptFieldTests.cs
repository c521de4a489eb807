using System.Text.Json;

namespace Clustering.Pipeline.Tests;

/// <summary>
/// `--keep-fields` from Parquet inputs keep their types where the output can hold them: integers as int64, floating
/// point as double, booleans as bool; other types (strings, dates) as strings. DuckDB writes the inputs and reads the
/// output back: types, every value (extremes, NaN, infinities, -0.0, nulls), predicates that use the statistics, and
/// the manifest's schema. A job that also reads JSON lines keeps every field as a string.
/// </summary>
public sealed class TypedKeptFieldTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("clustering-typedkeep-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private const string Kept = "big,small,dbl,flt,flag,label,day";

    /// <summary>+inf and NaN (DuckDB orders NaN above every number); -inf; -0.0 (i = 0 is null); long.MinValue; nulls; nulls of a column one file lacks.</summary>
    private static readonly string[] Predicates = ["dbl > 1e308", "dbl < -1e308", "dbl = 0", "big < 0", "big IS NULL", "flag IS NULL"];

    private static string Q(string path) => path.Replace("'", "''");

    /// <summary>Two DuckDB files of 150 rows; the second has no `flag` column (its rows get null there).</summary>
    private string WriteInputs()
    {
        var input = Path.Combine(_dir, "input");
        Directory.CreateDirectory(input);
        const string Columns = """
            'd' || i AS id, 'document number ' || i AS text,
            CASE WHEN i = 1 THEN 9223372036854775807 WHEN i = 2 THEN -9223372036854775808 WHEN i % 7 = 0 THEN NULL ELSE i * 37 END::BIGINT AS big,
            CASE WHEN i % 11 = 0 THEN NULL ELSE i - 100 END::INTEGER AS small,
            CASE WHEN i = 1 THEN 'NaN'::DOUBLE WHEN i = 2 THEN 'inf'::DOUBLE WHEN i = 3 THEN '-inf'::DOUBLE WHEN i = 4 THEN -0.0
                 WHEN i = 5 THEN 1e-300 WHEN i % 13 = 0 THEN NULL ELSE i / 3.0 END::DOUBLE AS dbl,
            (i / 7.0)::FLOAT AS flt,
            """;
        DuckDb.Query(
            $"COPY (SELECT {Columns} CASE WHEN i % 17 = 0 THEN NULL ELSE i % 2 = 0 END AS flag, 'ü-' || i AS label, DATE '2026-01-01' + i::INTEGER AS day " +
            $"FROM range(0, 150) t(i)) TO '{Q(Path.Combine(input, "a.parquet"))}' (FORMAT parquet)",
            $"COPY (SELECT {Columns} 'ü-' || i AS label, DATE '2026-01-01' + i::INTEGER AS day " +
            $"FROM range(150, 300) t(i)) TO '{Q(Path.Combine(input, "b.parquet"))}' (FORMAT parquet)");
        return input;
    }

    private static string[] RunArgs(string output, params string[] inputs) =>
        ["run", "--input", .. inputs, "--model", TestCorpus.DemoModel, "--output", output, "--keep-fields", Kept, "--shard-docs", "100",
            "--max-length", "128", "--batch-tokens", "2048", "--threads", "1"];

    [Fact]
    public void Kept_Parquet_columns_keep_their_types_and_values()
    {
        var input = WriteInputs();
        var output = Path.Combine(_dir, "out");

        var (code, _, err) = Embedctl.Run(null, RunArgs(output, input));

        Assert.True(code == 0, err);
        var inputs = $"read_parquet('{Q(Path.Combine(input, "*.parquet"))}', union_by_name = true)";
        var outputs = $"read_parquet('{Q(DuckDb.Glob(output))}')";
        var results = DuckDb.Query(
            $"SELECT column_name, column_type FROM (DESCRIBE SELECT {Kept} FROM {outputs})",
            // Floats come out as the double of their shortest decimal form (0.14285715, not 0.1428571492433548).
            $"SELECT count(*) FROM {outputs} o JOIN {inputs} i USING (id) WHERE o.big IS DISTINCT FROM i.big OR o.small IS DISTINCT FROM i.small " +
            "OR o.dbl IS DISTINCT FROM i.dbl OR o.flt IS DISTINCT FROM i.flt::VARCHAR::DOUBLE OR o.flag IS DISTINCT FROM i.flag " +
            "OR o.label IS DISTINCT FROM i.label OR o.day IS DISTINCT FROM strftime(i.day, '%Y-%m-%d') " +
            "OR (o.dbl = 0 AND signbit(o.dbl) <> signbit(i.dbl))", // -0.0 stays -0.0 (a NaN's sign means nothing)
            $"SELECT count(*) FROM {outputs}",
            // Predicates DuckDB may answer from the row groups' statistics: NaN, infinities and -0.0 must not mislead them.
            $"SELECT {string.Join(", ", Predicates.Select(p => $"(SELECT count(*) FROM {outputs} WHERE {p}), (SELECT count(*) FROM {inputs} WHERE {p})"))}");

        var types = results[0].ToDictionary(r => r[0].GetString()!, r => r[1].GetString()!);
        Assert.Equal(new Dictionary<string, string>
        {
            ["big"] = "BIGINT", ["small"] = "BIGINT", ["dbl"] = "DOUBLE", ["flt"] = "DOUBLE", ["flag"] = "BOOLEAN", ["label"] = "VARCHAR", ["day"] = "VARCHAR",
        }, types);
        Assert.Equal(0, results[1][0][0].GetInt64());
        Assert.Equal(300, results[2][0][0].GetInt64());
        var counts = results[3][0].Select(v => v.GetInt64()).ToArray();
        for (var p = 0; p < Predicates.Length; p++)
            Assert.True(counts[2 * p] == counts[2 * p + 1], $"{Predicates[p]}: {counts[2 * p]} rows in the output, {counts[2 * p + 1]} in the input");
        Assert.Equal([2, 1, 1, 1, 43, 159], counts.Where((_, i) => i % 2 == 1)); // the input's counts, so none is vacuous

        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "_manifest.json")));
        var schema = manifest.RootElement.GetProperty("schema").EnumerateArray()
            .ToDictionary(c => c.GetProperty("name").GetString()!, c => c.GetProperty("type").GetString()!);
        Assert.Equal("int64?", schema["big"]);
        Assert.Equal("float64?", schema["dbl"]);
        Assert.Equal("bool?", schema["flag"]);
        Assert.Equal("string?", schema["day"]);
    }

    [Fact]
    public void With_a_JSON_lines_input_in_the_same_job_every_kept_field_is_a_string()
    {
        var input = WriteInputs();
        var jsonl = Path.Combine(_dir, "more.jsonl");
        File.WriteAllText(jsonl, "{\"id\":\"j1\",\"text\":\"from json\",\"big\":5,\"flag\":true,\"label\":\"x\"}\n");
        var output = Path.Combine(_dir, "out");

        var (code, _, err) = Embedctl.Run(null, RunArgs(output, Path.Combine(input, "a.parquet"), jsonl));

        Assert.True(code == 0, err);
        var outputs = $"read_parquet('{Q(DuckDb.Glob(output))}')";
        var results = DuckDb.Query(
            $"SELECT DISTINCT column_type FROM (DESCRIBE SELECT {Kept} FROM {outputs})",
            $"SELECT big, flag FROM {outputs} WHERE id IN ('d1', 'j1') ORDER BY id");
        Assert.Equal(["VARCHAR"], results[0].Select(r => r[0].GetString()!));
        Assert.Equal("9223372036854775807", results[1][0][0].GetString());
        Assert.Equal("5", results[1][1][0].GetString());
        Assert.Equal("true", results[1][1][1].GetString());
    }
}
