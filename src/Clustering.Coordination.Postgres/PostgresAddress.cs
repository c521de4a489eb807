using System.Globalization;
using Npgsql;

namespace Clustering.Coordination.Postgres;

/// <summary>
/// A PostgreSQL store address: <c>postgres://user[:password]@host[:port]/database[?sslmode=...&amp;application_name=...
/// &amp;connect_timeout=S&amp;search_path=S&amp;max_pool_size=N]</c> (user and password percent-encoded) or an Npgsql
/// connection string. <see cref="DisplayName"/> and every message leave the password out.
/// </summary>
public sealed class PostgresAddress
{
    private PostgresAddress(NpgsqlConnectionStringBuilder builder)
    {
        ConnectionString = builder.ConnectionString;
        var user = string.IsNullOrEmpty(builder.Username) ? "" : Uri.EscapeDataString(builder.Username) + "@";
        DisplayName = $"postgres://{user}{builder.Host}:{builder.Port}/{builder.Database}";
    }

    /// <summary>The Npgsql connection string (holds the password: never log it).</summary>
    public string ConnectionString { get; }

    /// <summary>postgres://user@host:port/db, without the password.</summary>
    public string DisplayName { get; }

    public override string ToString() => DisplayName;

    public static PostgresAddress Parse(string address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var a = address.Trim();
        var builder = a.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || a.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase)
            ? FromUri(a)
            : FromConnectionString(a);
        if (string.IsNullOrEmpty(builder.Host)) throw Bad(a, "no host");
        if (string.IsNullOrEmpty(builder.Database)) throw Bad(a, "no database name");
        return new PostgresAddress(builder);
    }

    private static NpgsqlConnectionStringBuilder FromUri(string a)
    {
        if (!Uri.TryCreate(a, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
            throw Bad(a, "not a URI of the form postgres://user[:password]@host[:port]/database");
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host.Trim('[', ']'),
            Port = uri.IsDefaultPort || uri.Port < 0 ? 5432 : uri.Port,
            Database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/')),
        };
        if (uri.UserInfo.Length > 0)
        {
            var colon = uri.UserInfo.IndexOf(':');
            builder.Username = Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[..colon]);
            if (colon >= 0) builder.Password = Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
        }
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=');
            var key = Uri.UnescapeDataString(eq < 0 ? pair : pair[..eq]);
            var value = eq < 0 ? "" : Uri.UnescapeDataString(pair[(eq + 1)..]);
            switch (key.ToLowerInvariant())
            {
                case "sslmode":
                    if (!Enum.TryParse<SslMode>(value.Replace("-", ""), ignoreCase: true, out var mode)) throw Bad(a, $"sslmode '{value}' is not one of disable, allow, prefer, require, verify-ca, verify-full");
                    builder.SslMode = mode;
                    break;
                case "application_name": builder.ApplicationName = value; break;
                case "search_path": builder.SearchPath = value; break;
                case "connect_timeout": builder.Timeout = Int(a, key, value, 1, 1024); break;
                case "max_pool_size": builder.MaxPoolSize = Int(a, key, value, 1, 10_000); break;
                default: throw Bad(a, $"unknown parameter '{key}' (known: sslmode, application_name, search_path, connect_timeout, max_pool_size)");
            }
        }
        return builder;
    }

    private static NpgsqlConnectionStringBuilder FromConnectionString(string a)
    {
        try
        {
            return new NpgsqlConnectionStringBuilder(a);
        }
        catch (ArgumentException)
        {
            // Npgsql's message may quote a value (the password among them): say what is wrong without it.
            throw Bad(a, "not a valid Npgsql connection string (Host=...;Port=...;Database=...;Username=...)");
        }
    }

    private static int Int(string a, string key, string value, int min, int max) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
            ? n
            : throw Bad(a, $"{key} must be an integer from {min} to {max}, not '{value}'");

    private static StoreAddressException Bad(string address, string reason) => new($"store address '{StoreAddress.Redact(address)}': {reason}");
}
