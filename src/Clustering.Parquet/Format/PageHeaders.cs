using Clustering.Parquet.Thrift;

namespace Clustering.Parquet.Format;

/// <summary>parquet.thrift PageHeader in its three forms we write; field ids as in the spec.</summary>
internal static class PageHeaders
{
    public static void WriteDataPageV1(ThriftCompactWriter w, int uncompressedSize, int compressedSize, int numValues, PageEncoding encoding)
    {
        w.StructBegin();
        w.FieldI32(1, (int)PageType.DataPage);
        w.FieldI32(2, uncompressedSize);
        w.FieldI32(3, compressedSize);
        w.FieldStructBegin(5); // data_page_header
        w.FieldI32(1, numValues);
        w.FieldI32(2, (int)encoding);
        w.FieldI32(3, (int)PageEncoding.Rle); // definition_level_encoding
        w.FieldI32(4, (int)PageEncoding.Rle); // repetition_level_encoding
        w.StructEnd();
        w.StructEnd();
    }

    public static void WriteDataPageV2(ThriftCompactWriter w, int uncompressedSize, int compressedSize, int numValues, int numNulls,
        int numRows, PageEncoding encoding, int definitionLevelsLength, int repetitionLevelsLength, bool isCompressed)
    {
        w.StructBegin();
        w.FieldI32(1, (int)PageType.DataPageV2);
        w.FieldI32(2, uncompressedSize);
        w.FieldI32(3, compressedSize);
        w.FieldStructBegin(8); // data_page_header_v2
        w.FieldI32(1, numValues);
        w.FieldI32(2, numNulls);
        w.FieldI32(3, numRows);
        w.FieldI32(4, (int)encoding);
        w.FieldI32(5, definitionLevelsLength);
        w.FieldI32(6, repetitionLevelsLength);
        w.FieldBool(7, isCompressed);
        w.StructEnd();
        w.StructEnd();
    }

    public static void WriteDictionaryPage(ThriftCompactWriter w, int uncompressedSize, int compressedSize, int numValues)
    {
        w.StructBegin();
        w.FieldI32(1, (int)PageType.DictionaryPage);
        w.FieldI32(2, uncompressedSize);
        w.FieldI32(3, compressedSize);
        w.FieldStructBegin(7); // dictionary_page_header
        w.FieldI32(1, numValues);
        w.FieldI32(2, (int)PageEncoding.Plain);
        w.StructEnd();
        w.StructEnd();
    }
}
