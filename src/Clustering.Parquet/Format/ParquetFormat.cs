namespace Clustering.Parquet.Format;

// Enumerations of parquet-format's parquet.thrift, with the numbers the file stores.

internal enum PhysicalType
{
    Boolean = 0,
    Int32 = 1,
    Int64 = 2,
    Int96 = 3,
    Float = 4,
    Double = 5,
    ByteArray = 6,
    FixedLenByteArray = 7,
}

internal enum FieldRepetition
{
    Required = 0,
    Optional = 1,
    Repeated = 2,
}

/// <summary>The legacy annotations, still written beside logical types for readers that predate them.</summary>
internal enum ConvertedType
{
    Utf8 = 0,
    List = 3,
    Int32 = 17,
    Int64 = 18,
}

internal enum PageEncoding
{
    Plain = 0,
    PlainDictionary = 2,
    Rle = 3,
    BitPacked = 4,
    RleDictionary = 8,
}

internal enum PageType
{
    DataPage = 0,
    IndexPage = 1,
    DictionaryPage = 2,
    DataPageV2 = 3,
}
