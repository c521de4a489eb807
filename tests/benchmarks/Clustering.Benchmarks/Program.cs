// Benchmarks print our figure beside the peer's; each benchmark lives in its own file and registers here.
return Clustering.Benchmarks.BenchmarkRegistry.Run(args);
