using System.Text.RegularExpressions;

namespace Clustering.Coordination;

/// <summary>Which store an address names.</summary>
public enum StoreKind { Sqlite, Postgres }

/// <summary>
/// Store addresses as users write them: <c>sqlite:PATH</c> or a plain path (SQLite);
/// <c>postgres://user[:pass]@host[:port]/db[?sslmode=...]</c>, <c>postgresql://...</c> or an Npgsql connection
/// string (<c>Host=...;Username=...</c>) for PostgreSQL. Passwords never leave this class unmasked in text.
/// </summary>
public static partial class StoreAddress
{
    public static StoreKind KindOf(string address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var a = address.Trim();
        if (a.Length == 0) throw new StoreAddressException("store address is empty: give sqlite:PATH, postgres://user@host:port/db or an Npgsql connection string");
        if (a.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || a.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
            return StoreKind.Postgres;
        if (a.StartsWith("sqlite:", StringComparison.OrdinalIgnoreCase)) return StoreKind.Sqlite;
        // An Npgsql connection string is key=value pairs with a host; a path has neither '=' nor ';' in practice.
        if (a.Contains('=') && HostKey().IsMatch(a)) return StoreKind.Postgres;
        return StoreKind.Sqlite;
    }

    /// <summary>The address with any password replaced by ***: safe for logs and messages.</summary>
    public static string Redact(string address)
    {
        if (string.IsNullOrEmpty(address)) return address;
        var masked = UriPassword().Replace(address, "$1:***@");
        return PasswordKey().Replace(masked, "$1=***");
    }

    [GeneratedRegex(@"(?:^|;)\s*(host|server)\s*=", RegexOptions.IgnoreCase)]
    private static partial Regex HostKey();

    // scheme://user:password@ — the password runs to the last '@' before the host.
    [GeneratedRegex(@"^([a-zA-Z][a-zA-Z0-9+.-]*://[^:/@]*):[^/]*@")]
    private static partial Regex UriPassword();

    [GeneratedRegex(@"((?:^|;)\s*(?:password|pwd)\s*)=[^;]*", RegexOptions.IgnoreCase)]
    private static partial Regex PasswordKey();
}
