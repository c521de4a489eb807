namespace Clustering.Parquet;

/// <summary>A write-only stream that appends to a <see cref="ByteBuffer"/>, for encoders that only speak Stream (GZipStream).</summary>
internal sealed class ByteBufferStream(ByteBuffer buffer) : Stream
{
    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => buffer.Length;
    public override long Position { get => buffer.Length; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override int Read(byte[] data, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] data, int offset, int count) => buffer.Write(data.AsSpan(offset, count));
    public override void Write(ReadOnlySpan<byte> data) => buffer.Write(data);
    public override void WriteByte(byte value) => buffer.WriteByte(value);
}
