namespace Clustering.Parquet;

/// <summary>The destination stream and our own count of bytes written: the stream need not be seekable.</summary>
internal sealed class ParquetOutput(Stream stream)
{
    public long Position { get; private set; }

    public void Write(ReadOnlySpan<byte> bytes)
    {
        stream.Write(bytes);
        Position += bytes.Length;
    }

    public void Flush() => stream.Flush();
}
