using System.Text;
using System.Text.Json;
using Clustering.Tests.Shared;

namespace Clustering.Integration.Tests;

/// <summary>
/// `embedctl run --input-format openai-batch --output-format openai-batch`: an OpenAI batch file as a job. DuckDB
/// reads the Parquet (one row per input, id custom_id or custom_id#N); the result lines answer every request with
/// the same vectors, and those equal `embedctl encode`'s.
/// </summary>
public sealed class OpenAiBatchFileTests
{
    [Fact]
    public async Task A_batch_file_runs_as_a_job_and_gets_openai_result_lines()
    {
        var work = Directory.CreateTempSubdirectory("clustering-openai-batch-").FullName;
        try
        {
            string[] texts = ["What is the capital of France?", "Ships carry cargo.", "Hello", "Паровоз"];
            var batch = new StringBuilder();
            batch.Append("""{"custom_id":"q-1","method":"POST","url":"/v1/embeddings","body":{"model":"tiny","input":"What is the capital of France?"}}""").Append('\n');
            batch.Append("""{"custom_id":"d-2","method":"POST","url":"/v1/embeddings","body":{"model":"tiny","input":["Ships carry cargo.","Hello","Паровоз"],"encoding_format":"base64"}}""").Append('\n');
            batch.Append("""{"custom_id":"bad-3","method":"POST","url":"/v1/chat/completions","body":{"input":"x"}}""").Append('\n');
            batch.Append("""{"custom_id":"dims-4","method":"POST","url":"/v1/embeddings","body":{"input":"Hello","dimensions":8}}""").Append('\n');
            var input = Path.Combine(work, "batch.jsonl");
            File.WriteAllText(input, batch.ToString());
            var output = Path.Combine(work, "out");

            var run = await TestCluster.CliAsync(["run", "--input", input, "--model", RepoPaths.TinyModel, "--output", output, "--threads", "1",
                "--input-format", "openai-batch", "--output-format", "openai-batch",
                "--max-bad-records", "1"]); // one bad request in six lines is over the default 10% budget
            Assert.True(run.Exit == 0, run.Stdout + run.Stderr);

            var rows = await DuckDb.QueryAsync($"SELECT id, n_tokens, embedding FROM read_parquet('{output}/*.parquet') ORDER BY id");
            Assert.Equal(["d-2#0", "d-2#1", "d-2#2", "dims-4", "q-1"], rows.Select(r => r.GetProperty("id").GetString()));
            var parquet = rows.ToDictionary(r => r.GetProperty("id").GetString()!, r => r.GetProperty("embedding").EnumerateArray().Select(e => e.GetSingle()).ToArray());

            var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "_manifest.json"))).RootElement;
            var resultKey = Assert.Single(manifest.GetProperty("batch_result_files").EnumerateArray()).GetProperty("key").GetString()!;
            var lines = File.ReadAllLines(Path.Combine(output, resultKey)).Select(l => JsonDocument.Parse(l).RootElement).ToDictionary(l => l.GetProperty("custom_id").GetString()!);
            Assert.Equal(["d-2", "dims-4", "q-1"], lines.Keys.Order(StringComparer.Ordinal));
            var bad = JsonDocument.Parse(File.ReadAllLines(Directory.GetFiles(Path.Combine(output, "_errors")).Single()).Single()).RootElement;
            Assert.Equal(3, bad.GetProperty("line").GetInt32());
            Assert.Equal("request bad-3: url must be \"/v1/embeddings\" (this job embeds)", bad.GetProperty("reason").GetString());

            var reference = await OpenAiClient.EncodeAsync(texts);
            var q = lines["q-1"].GetProperty("response");
            Assert.Equal(200, q.GetProperty("status_code").GetInt32());
            Assert.Equal(JsonValueKind.Null, lines["q-1"].GetProperty("error").ValueKind);
            var qVector = q.GetProperty("body").GetProperty("data")[0].GetProperty("embedding").EnumerateArray().Select(e => e.GetSingle()).ToArray();
            Assert.Equal(parquet["q-1"], qVector);
            Assert.True(VectorMath.Cosine(reference[0], qVector) >= 0.99999);
            Assert.Equal("tiny", q.GetProperty("body").GetProperty("model").GetString());

            var d = lines["d-2"].GetProperty("response").GetProperty("body");
            Assert.Equal(rows.Where(r => r.GetProperty("id").GetString()!.StartsWith("d-2#", StringComparison.Ordinal)).Sum(r => r.GetProperty("n_tokens").GetInt32()),
                d.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
            var data = d.GetProperty("data").EnumerateArray().ToArray();
            Assert.Equal([0, 1, 2], data.Select(e => e.GetProperty("index").GetInt32()));
            for (var i = 0; i < 3; i++)
            {
                var bytes = Convert.FromBase64String(data[i].GetProperty("embedding").GetString()!);
                var vector = new float[bytes.Length / 4];
                Buffer.BlockCopy(bytes, 0, vector, 0, bytes.Length);
                Assert.Equal(parquet[$"d-2#{i}"], vector);
                Assert.True(VectorMath.Cosine(reference[i + 1], vector) >= 0.99999);
            }

            var dims = lines["dims-4"].GetProperty("response");
            Assert.Equal(400, dims.GetProperty("status_code").GetInt32());
            Assert.Equal("the request asks for 8 dimensions; this job embeds 64 (--dimensions)", dims.GetProperty("body").GetProperty("error").GetProperty("message").GetString());

            var refused = await TestCluster.CliAsync(["run", "--input", input, "--model", RepoPaths.TinyModel, "--output", Path.Combine(work, "o2"), "--output-format", "openai-batch"]);
            Assert.Equal(2, refused.Exit);
            Assert.Contains("give --input-format openai-batch too", refused.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }
}
