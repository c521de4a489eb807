using System.Reflection;
using System.Text.RegularExpressions;

namespace Clustering.Coordination;

/// <summary>One numbered schema step: <c>Migrations/0001_initial.sql</c> → version 1, name "initial".</summary>
public sealed record Migration(int Version, string Name, string Sql);

/// <summary>
/// Reads a store's migrations from its embedded resources (<c>*.Migrations.NNNN_name.sql</c>), in version order.
/// Stores apply the ones newer than their schema_version table at open, inside one locked transaction.
/// </summary>
public static partial class EmbeddedMigrations
{
    public static IReadOnlyList<Migration> Load(Assembly assembly)
    {
        var list = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            var m = MigrationName().Match(resource);
            if (!m.Success) continue;
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            list.Add(new Migration(int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), m.Groups[2].Value, reader.ReadToEnd()));
        }
        list.Sort((a, b) => a.Version.CompareTo(b.Version));
        for (var i = 0; i < list.Count; i++)
            if (list[i].Version != i + 1)
                throw new InvalidOperationException($"{assembly.GetName().Name}: migrations must be numbered 1, 2, 3... without gaps; found {list[i].Version} at position {i + 1}");
        return list;
    }

    [GeneratedRegex(@"\.Migrations\.(\d{4})_([A-Za-z0-9_]+)\.sql$")]
    private static partial Regex MigrationName();
}
