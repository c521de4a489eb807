using System.Text.Json.Serialization;

namespace Clustering.Corpus;

/// <summary>The output column type of a kept field (<c>--keep-fields</c>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<KeptFieldType>))]
public enum KeptFieldType
{
    String,
    Int64,
    Double,
    Bool,
}

public static class KeptFieldTypes
{
    /// <summary>
    /// One type per kept field for the whole job, so every part file has the same schema: the type all Parquet inputs
    /// that have the column agree on; string as soon as one input is not Parquet (JSON values stay as written) or two
    /// inputs disagree. Null when every kept field is a string.
    /// </summary>
    /// <param name="perInput">For each input, its kept columns' types (null entries: the file lacks the column), or null for a line-format input.</param>
    public static IReadOnlyList<KeptFieldType>? Agree(int keptFields, IReadOnlyList<KeptFieldType?[]?> perInput)
    {
        if (keptFields == 0 || perInput.Count == 0 || perInput.Any(p => p is null)) return null;
        var agreed = new KeptFieldType[keptFields];
        for (var k = 0; k < keptFields; k++)
        {
            var votes = perInput.Select(p => p![k]).OfType<KeptFieldType>().Distinct().ToList();
            agreed[k] = votes.Count == 1 ? votes[0] : KeptFieldType.String;
        }
        return agreed.All(t => t == KeptFieldType.String) ? null : agreed;
    }

    /// <summary>The type's name in the manifest's schema (optional: kept values may be null).</summary>
    public static string ManifestName(this KeptFieldType type) => type switch
    {
        KeptFieldType.Int64 => "int64?",
        KeptFieldType.Double => "float64?",
        KeptFieldType.Bool => "bool?",
        _ => "string?",
    };
}
