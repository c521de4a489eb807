using Clustering.Coordination.Postgres;
using Clustering.Coordination.Sqlite;

namespace Clustering.Coordination.Tests;

public sealed class StoreAddressTests
{
    [Theory]
    [InlineData("sqlite:/var/lib/embed/state.db", StoreKind.Sqlite)]
    [InlineData("./state/cluster.db", StoreKind.Sqlite)]
    [InlineData("postgres://u@db:5432/c", StoreKind.Postgres)]
    [InlineData("POSTGRESQL://u@db/c", StoreKind.Postgres)]
    [InlineData("Host=db;Port=5432;Database=c;Username=u", StoreKind.Postgres)]
    [InlineData("server=db;database=c", StoreKind.Postgres)]
    public void KindOf_tells_the_store_from_the_address(string address, StoreKind kind) => Assert.Equal(kind, StoreAddress.KindOf(address));

    [Theory]
    [InlineData("postgres://u:p%40ss@db:5432/c", "postgres://u:***@db:5432/c")]
    [InlineData("postgres://u:p@ss@db/c", "postgres://u:***@db/c")]
    [InlineData("Host=db;Password=hunter2;Username=u", "Host=db;Password=***;Username=u")]
    [InlineData("Host=db; pwd = hunter2 ;Username=u", "Host=db; pwd =***;Username=u")]
    [InlineData("sqlite:/a/b.db", "sqlite:/a/b.db")]
    public void Redact_masks_passwords(string address, string redacted) => Assert.Equal(redacted, StoreAddress.Redact(address));

    [Fact]
    public void An_empty_address_is_refused_with_the_forms_it_takes()
    {
        var e = Assert.Throws<StoreAddressException>(() => StoreAddress.KindOf("  "));
        Assert.Equal("store address is empty: give sqlite:PATH, postgres://user@host:port/db or an Npgsql connection string", e.Message);
    }

    [Fact]
    public void A_postgres_uri_becomes_an_Npgsql_connection_string_and_shows_no_password()
    {
        var a = PostgresAddress.Parse("postgres://embed%20user:p%40ss:w0rd@db.internal:6543/clustering?sslmode=require&application_name=silo-1&max_pool_size=80");
        Assert.Equal("postgres://embed%20user@db.internal:6543/clustering", a.DisplayName);
        Assert.Equal(a.DisplayName, a.ToString());
        var b = new Npgsql.NpgsqlConnectionStringBuilder(a.ConnectionString);
        Assert.Equal(("db.internal", 6543, "clustering", "embed user", "p@ss:w0rd", Npgsql.SslMode.Require, "silo-1", 80),
            (b.Host, b.Port, b.Database, b.Username, b.Password, b.SslMode, b.ApplicationName, b.MaxPoolSize));
        Assert.Equal(5432, new Npgsql.NpgsqlConnectionStringBuilder(PostgresAddress.Parse("postgresql://u@h/d").ConnectionString).Port);
    }

    [Fact]
    public void An_Npgsql_connection_string_is_taken_as_it_is()
    {
        var a = PostgresAddress.Parse("Host=h;Port=7000;Database=d;Username=u;Password=secret");
        Assert.Equal("postgres://u@h:7000/d", a.DisplayName);
        Assert.DoesNotContain("secret", a.ToString());
    }

    [Theory]
    [InlineData("postgres://u:secret@h:notaport/d", "store address 'postgres://u:***@h:notaport/d': not a URI of the form postgres://user[:password]@host[:port]/database")]
    [InlineData("postgres://u:secret@h/", "store address 'postgres://u:***@h/': no database name")]
    [InlineData("postgres://u:secret@h/d?sslmode=sometimes", "store address 'postgres://u:***@h/d?sslmode=sometimes': sslmode 'sometimes' is not one of disable, allow, prefer, require, verify-ca, verify-full")]
    [InlineData("postgres://u:secret@h/d?pool=9", "store address 'postgres://u:***@h/d?pool=9': unknown parameter 'pool' (known: sslmode, application_name, search_path, connect_timeout, max_pool_size)")]
    [InlineData("postgres://u:secret@h/d?connect_timeout=-1", "store address 'postgres://u:***@h/d?connect_timeout=-1': connect_timeout must be an integer from 1 to 1024, not '-1'")]
    [InlineData("Host=h;Password=secret;Frobnicate=1", "store address 'Host=h;Password=***;Frobnicate=1': not a valid Npgsql connection string (Host=...;Port=...;Database=...;Username=...)")]
    public void A_bad_postgres_address_is_refused_without_its_password(string address, string message)
    {
        var e = Assert.Throws<StoreAddressException>(() => PostgresAddress.Parse(address));
        Assert.Equal(message, e.Message);
        Assert.DoesNotContain("secret", e.ToString());
    }

    [Theory]
    [InlineData("sqlite:/a/b.db", "/a/b.db")]
    [InlineData("sqlite:///a/b.db", "/a/b.db")]
    [InlineData("rel/b.db", "rel/b.db")]
    public void A_sqlite_address_names_the_file(string address, string path) => Assert.Equal(path, SqliteClusterStore.ParsePath(address));

    [Fact]
    public void A_sqlite_address_without_a_path_is_refused()
    {
        var e = Assert.Throws<StoreAddressException>(() => SqliteClusterStore.ParsePath("sqlite:"));
        Assert.Equal("store address 'sqlite:': no file path after 'sqlite:'", e.Message);
    }

    [Fact]
    public void Backoff_reference_doubles_from_the_base_and_stops_at_the_cap()
    {
        var b = new RetryBackoff(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(60));
        Assert.Equal([10.0, 20, 40, 60, 60], Enumerable.Range(1, 5).Select(n => b.Delay(n, 1.0).TotalSeconds));
        Assert.Equal(TimeSpan.FromSeconds(5), b.Delay(1, 0.5));
        Assert.Equal(TimeSpan.FromSeconds(60), b.Delay(1000, 1.0));
        Assert.All(Enumerable.Range(0, 1000).Select(_ => b.NextJitter()), j => Assert.InRange(j, 0.5, 1.0));
    }
}
