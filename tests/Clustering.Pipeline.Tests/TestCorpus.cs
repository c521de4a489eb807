using System.Text;

namespace Clustering.Pipeline.Tests;

/// <summary>Generated JSONL corpora with known good documents and known bad lines.</summary>
internal static class TestCorpus
{
    public static string DemoModel => Path.Combine(Parquet.Tests.RepoPaths.Root, "tests", "fixtures", "models", "tiny-qwen3-embedding");

    private static readonly string[] Words = ["alpha", "beta", "gamma", "delta", "東京", "Привет", "naïve", "42", "embedding", "vector", "😀", "data"];

    public static string Text(int i)
    {
        var rng = new Random(i);
        var sb = new StringBuilder();
        for (var w = 0; w < 3 + i % 9; w++) sb.Append(Words[rng.Next(Words.Length)]).Append(' ');
        return sb.Append(i).ToString();
    }

    /// <summary>Writes <paramref name="count"/> lines; returns the ids of good documents and the 1-based lines of bad ones.</summary>
    public static (List<string> Good, List<int> BadLines) Write(string path, int count, int badEvery = 0)
    {
        var good = new List<string>();
        var bad = new List<int>();
        using var file = new FileStream(path, FileMode.Create);
        for (var i = 0; i < count; i++)
        {
            var line = i + 1;
            if (badEvery > 0 && i % badEvery == badEvery - 1)
            {
                file.Write(BadLine(i / badEvery));
                bad.Add(line);
            }
            else
            {
                var id = $"d{i}";
                file.Write(Encoding.UTF8.GetBytes($"{{\"id\":\"{id}\",\"text\":{System.Text.Json.JsonSerializer.Serialize(Text(i))},\"meta\":{{\"n\":{i}}}}}"));
                good.Add(id);
            }
            file.WriteByte((byte)'\n');
        }
        return (good, bad);
    }

    /// <summary>Every kind of bad line, in turn: each must become one error record, never a failed shard.</summary>
    private static byte[] BadLine(int kind) => (kind % 8) switch
    {
        0 => "{\"id\":\"x\",\"text\":\"unterminated"u8.ToArray(),
        1 => [.. "{\"id\":\"x\",\"text\":\"bad "u8, 0xC3, 0x28, .. "\"}"u8],
        2 => "{\"id\":\"x\"}"u8.ToArray(),
        3 => "{\"id\":\"x\",\"text\":42}"u8.ToArray(),
        4 => "[1,2,3]"u8.ToArray(),
        5 => Encoding.UTF8.GetBytes("{\"id\":\"x\",\"text\":\"" + new string('a', 5000) + "\"}"),
        6 => "{\"id\":\"x\",\"text\":\"a\"} trailing"u8.ToArray(),
        _ => "not json at all"u8.ToArray(),
    };
}
