namespace Clustering.Benchmarks;

/// <summary>Dispatches `Clustering.Benchmarks NAME [args]` to one benchmark.</summary>
internal static class BenchmarkRegistry
{
    private static readonly Dictionary<string, (string About, Func<string[], int> Run)> Benchmarks = new(StringComparer.OrdinalIgnoreCase)
    {
        ["corpus"] = ("JSONL read + parse MB/s vs raw read and a naive reader [--mb 100] [--repeat 3]", CorpusBenchmark.Run),
        ["parquet-corpus"] = (ParquetCorpusBenchmark.About, ParquetCorpusBenchmark.Run),
        ["pipeline"] = ("embedctl run vs the engine alone on one corpus: docs/s, tokens/s, the pipeline's cost [--corpus F --model D]", PipelineBenchmark.Run),
        ["cluster"] = (ClusterBenchmark.About, ClusterBenchmark.Run),
        ["store"] = ("lease + commit cycles/s and latency of N simulated workers against PostgreSQL and SQLite", StoreBenchmark.Run),
        ["engine"] = ("CPU engine tokens/s on a synthetic corpus (peer: tests/benchmarks/engine_peer.py)", EngineBenchmark.Run),
        ["engine-gemm"] = ("CPU GEMM GFLOP/s (--m --n --k --threads --kernel)", GemmBenchmark.Run),
        ["engine-random-model"] = ("random bf16 weights of a Qwen3-Embedding shape (--size 0.6b|4b|8b|tiny --out DIR)", RandomQwen3Model.Run),
        ["parquet"] = ("Parquet write throughput per codec (rows/s, MB/s) for 1024-dim vectors", ParquetBenchmark.Run),
        ["tokenizer"] = (TokenizerBenchmark.About, TokenizerBenchmark.Run),
        ["onnx"] = (OnnxBenchmark.About, OnnxBenchmark.Run),
        ["stream"] = (StreamBenchmark.About, StreamBenchmark.Run),
    };

    public static int Run(string[] args)
    {
        if (args.Length == 0 || !Benchmarks.TryGetValue(args[0], out var bench))
        {
            Console.Error.WriteLine("usage: Clustering.Benchmarks NAME [args]");
            foreach (var (name, b) in Benchmarks) Console.Error.WriteLine($"  {name,-14} {b.About}");
            return args.Length == 0 ? 0 : 2;
        }
        return bench.Run(args[1..]);
    }
}
