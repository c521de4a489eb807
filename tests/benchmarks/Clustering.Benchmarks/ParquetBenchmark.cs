using System.Diagnostics;
using Clustering.Parquet;

namespace Clustering.Benchmarks;

/// <summary>
/// Parquet write throughput of the embedding file, per codec: rows/s and MB/s of output for 1024-dim
/// vectors (plus id, n_tokens, truncated and two kept fields), written to a stream that only counts bytes
/// so the figure is the writer's own cost. The peer, measured in the same run, is a plain copy of the same
/// float bytes into the same stream: the floor any writer pays.
///   Clustering.Benchmarks parquet [--rows N] [--dims D] [--page v1|v2]
/// </summary>
internal static class ParquetBenchmark
{
    public static int Run(string[] args)
    {
        int rows = IntArg(args, "--rows", 20_000);
        int dims = IntArg(args, "--dims", 1024);
        var page = args.Contains("v2") ? ParquetPageVersion.V2 : ParquetPageVersion.V1;

        var random = new Random(7);
        var vectors = new float[rows * dims]; // (rows, dims), unit-length-ish values like real embeddings
        for (int i = 0; i < vectors.Length; i++) vectors[i] = (random.NextSingle() - 0.5f) * 0.12f;
        var ids = new string[rows];
        var titles = new string[rows];
        for (int i = 0; i < rows; i++)
        {
            ids[i] = $"corpus/part-{i / 5000:D3}.jsonl:{i + 1}";
            titles[i] = $"Document title number {i} with some words";
        }
        string?[] sources = ["web", "news", "wiki", null];
        double rawMb = vectors.Length * 4.0 / 1e6;
        Console.WriteLine($"Parquet write: {rows} rows x {dims} dims ({rawMb:F1} MB of float32), pages {page}, {Environment.ProcessorCount} cores");

        // Peer: copying the float bytes alone.
        var peer = Measure(() =>
        {
            var sink = new CountingStream();
            sink.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(vectors.AsSpan()));
            return (sink.Length, rows);
        });
        Console.WriteLine($"  {"memcpy (peer)",-14} {peer.Seconds * 1000,8:F1} ms  {rawMb / peer.Seconds,8:F0} MB/s in");

        Console.WriteLine($"  {"codec",-14} {"time",11} {"rows/s",10} {"MB/s out",9} {"MB/s in",8} {"size/raw",9} {"vs memcpy",10}");
        var metadata = new EmbeddingMetadata { ModelId = "bench", Pooling = "last_token", Normalized = true, Dtype = "fp32" };
        foreach (var codec in new[] { CompressionCodec.None, CompressionCodec.Snappy, CompressionCodec.Zstd, CompressionCodec.Gzip })
        {
            var options = new ParquetWriteOptions { Compression = codec, PageVersion = page };
            Write(); // warm-up: JIT, buffers
            var m = Measure(Write);
            Console.WriteLine($"  {codec,-14} {m.Seconds * 1000,8:F1} ms {rows / m.Seconds,10:F0} {m.Bytes / 1e6 / m.Seconds,9:F0} {rawMb / m.Seconds,8:F0} " +
                              $"{m.Bytes / (rawMb * 1e6),9:F3} {m.Seconds / peer.Seconds,9:F1}x");

            (long, int) Write()
            {
                var sink = new CountingStream();
                using var writer = new EmbeddingParquetWriter(sink, dims, VectorType.List, ["source", "title"], metadata, options);
                string?[] kept = new string?[2];
                for (int i = 0; i < rows; i++)
                {
                    kept[0] = sources[i & 3];
                    kept[1] = titles[i];
                    writer.Append(ids[i], vectors.AsSpan(i * dims, dims), 100 + i % 400, i % 50 == 0, kept);
                }
                var result = writer.Complete();
                return (result.Bytes, rows);
            }
        }
        return 0;
    }

    private static (double Seconds, long Bytes) Measure(Func<(long Bytes, int Rows)> run)
    {
        var best = double.MaxValue;
        long bytes = 0;
        for (int i = 0; i < 3; i++)
        {
            var sw = Stopwatch.StartNew();
            (bytes, _) = run();
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
        }
        return (best, bytes);
    }

    private static int IntArg(string[] args, string name, int fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out var v) ? v : fallback;
    }

    /// <summary>
    /// A sink that copies into one reused 1 MiB scratch buffer and keeps the count: every byte is moved once,
    /// as into a page cache, but the disk is left out so the figure is the writer's.
    /// </summary>
    private sealed class CountingStream : Stream
    {
        private static readonly byte[] Scratch = new byte[1 << 20];
        private long _length;
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _length;
        public override long Position { get => _length; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            for (int at = 0; at < buffer.Length; at += Scratch.Length)
            {
                var part = buffer.Slice(at, Math.Min(Scratch.Length, buffer.Length - at));
                part.CopyTo(Scratch);
            }
            _length += buffer.Length;
        }
    }
}
