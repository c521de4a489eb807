namespace Clustering.Parquet;

/// <summary>The value types our files hold.</summary>
public enum ParquetColumnType
{
    /// <summary>BYTE_ARRAY annotated STRING (converted type UTF8).</summary>
    String,

    /// <summary>INT32 annotated INTEGER(32, signed) (converted type INT_32).</summary>
    Int32,

    /// <summary>BOOLEAN.</summary>
    Boolean,

    /// <summary>INT64 annotated INTEGER(64, signed) (converted type INT_64).</summary>
    Int64,

    /// <summary>DOUBLE.</summary>
    Double,

    /// <summary>A vector of float32 of one fixed dimension per column, stored as a 3-level LIST of FLOAT.</summary>
    FloatVector,
}

/// <summary>One top-level column of a <see cref="ParquetSchema"/>.</summary>
public sealed record ParquetColumn
{
    private ParquetColumn(string name, ParquetColumnType type, bool optional, int dimension, VectorType vectorType)
    {
        Name = name;
        Type = type;
        Optional = optional;
        Dimension = dimension;
        VectorType = vectorType;
    }

    public string Name { get; }
    public ParquetColumnType Type { get; }

    /// <summary>Whether the column accepts nulls (OPTIONAL) or not (REQUIRED).</summary>
    public bool Optional { get; }

    /// <summary>The vector length of a <see cref="ParquetColumnType.FloatVector"/> column; 0 otherwise.</summary>
    public int Dimension { get; }

    public VectorType VectorType { get; }

    public static ParquetColumn String(string name, bool optional = false) => new(name, ParquetColumnType.String, optional, 0, default);

    public static ParquetColumn Int32(string name, bool optional = false) => new(name, ParquetColumnType.Int32, optional, 0, default);

    public static ParquetColumn Boolean(string name, bool optional = false) => new(name, ParquetColumnType.Boolean, optional, 0, default);

    public static ParquetColumn Int64(string name, bool optional = false) => new(name, ParquetColumnType.Int64, optional, 0, default);

    public static ParquetColumn Double(string name, bool optional = false) => new(name, ParquetColumnType.Double, optional, 0, default);

    /// <summary>A column of a scalar type (not <see cref="ParquetColumnType.FloatVector"/>).</summary>
    public static ParquetColumn Scalar(string name, ParquetColumnType type, bool optional) => type switch
    {
        ParquetColumnType.FloatVector => throw new ClusteringException($"Parquet schema: column '{name}': a vector column needs a dimension."),
        _ when Enum.IsDefined(type) => new(name, type, optional, 0, default),
        _ => throw new ClusteringException($"Parquet schema: column '{name}' has unknown type {(int)type}."),
    };

    /// <summary>A required vector column: every row holds exactly <paramref name="dimension"/> floats.</summary>
    public static ParquetColumn FloatVector(string name, int dimension, VectorType vectorType = VectorType.List)
    {
        if (dimension < 1) throw new ClusteringException($"Parquet schema: column '{name}' needs a vector dimension of at least 1, got {dimension}.");
        if (!Enum.IsDefined(vectorType)) throw new ClusteringException($"Parquet schema: column '{name}' has unknown vector type {(int)vectorType}.");
        return new(name, ParquetColumnType.FloatVector, optional: false, dimension, vectorType);
    }
}
