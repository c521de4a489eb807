namespace Clustering.Integration.Tests;

/// <summary>One PostgreSQL server per test class; each test makes its own database in it.</summary>
public sealed class PostgresFixture : IDisposable
{
    public TemporaryPostgres Server { get; } = TemporaryPostgres.Start();

    public void Dispose() => Server.Dispose();
}

/// <summary>A test that needs more time than CI gives; runs only when CLUSTERING_SLOW_TESTS=1.</summary>
public sealed class SlowFactAttribute : FactAttribute
{
    public SlowFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("CLUSTERING_SLOW_TESTS") != "1")
            Skip = "slow: set CLUSTERING_SLOW_TESTS=1 to run it";
    }
}
