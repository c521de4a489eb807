using Xunit.Abstractions;
using Xunit.Sdk;

namespace Clustering.Coordination.Tests;

/// <summary>Marks a test class that needs a PostgreSQL server started by <see cref="PostgresServerFixture"/>.</summary>
public interface INeedsPostgres;

/// <summary>
/// A conformance fact: it runs for every store class that inherits it. For a class that needs PostgreSQL on a
/// machine without its binaries, the test is reported skipped with the reason, unless CI is set, where it runs and
/// fails (a CI machine without PostgreSQL is a broken CI machine).
/// </summary>
[XunitTestCaseDiscoverer("Clustering.Coordination.Tests.StoreFactDiscoverer", "Clustering.Coordination.Tests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class StoreFactAttribute : FactAttribute;

public static class PostgresAvailability
{
    /// <summary>Why PostgreSQL tests are skipped here, or null when they run.</summary>
    public static string? SkipReason =>
        TemporaryPostgres.FindBinaries() is null && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"))
            ? "PostgreSQL binaries (initdb, pg_ctl) not found under /usr/lib/postgresql/*/bin, CLUSTERING_PG_BIN or PATH; install postgresql to run these (with CI set they fail instead)"
            : null;
}

public sealed class StoreFactDiscoverer(IMessageSink diagnosticMessageSink) : IXunitTestCaseDiscoverer
{
    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute)
    {
        var needsPostgres = typeof(INeedsPostgres).IsAssignableFrom(testMethod.TestClass.Class.ToRuntimeType());
        yield return needsPostgres && PostgresAvailability.SkipReason is not null
            ? new PostgresSkippedTestCase(diagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(), discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod)
            : new XunitTestCase(diagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(), discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod);
    }
}

public sealed class PostgresSkippedTestCase : XunitTestCase
{
    [Obsolete("Called by the de-serializer; should only be called by deriving classes for de-serialization purposes")]
    public PostgresSkippedTestCase() { }

    public PostgresSkippedTestCase(IMessageSink sink, TestMethodDisplay display, TestMethodDisplayOptions options, ITestMethod method)
        : base(sink, display, options, method) { }

    protected override string GetSkipReason(IAttributeInfo factAttribute) => PostgresAvailability.SkipReason ?? "";
}
