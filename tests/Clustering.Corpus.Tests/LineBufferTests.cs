using System.Text;

namespace Clustering.Corpus.Tests;

public sealed class LineBufferTests
{
    /// <summary>A stream of one huge line of 'a' then a normal line, made on the fly (never held in memory).</summary>
    private sealed class HugeLineStream(long lineBytes, byte[] tail) : Stream
    {
        private long _position;
        public override int Read(Span<byte> buffer)
        {
            var total = lineBytes + tail.Length;
            if (_position >= total) return 0;
            var n = (int)Math.Min(buffer.Length, total - _position);
            for (var i = 0; i < n; i++, _position++)
                buffer[i] = _position < lineBytes ? (byte)'a' : tail[_position - lineBytes];
            return n;
        }
        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>Hands out at most a few bytes per read, so every line and "\r\n" straddles reads.</summary>
    private sealed class TrickleStream(byte[] data, int seed) : MemoryStream(data)
    {
        private readonly Random _random = new(seed);
        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(buffer.Length, 1 + _random.Next(7))]);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Read(buffer.Span));
    }

    private static (ShardReader, CorpusInput, ShardSlice) Reader(CorpusOptions options, long length)
    {
        var input = new CorpusInput("mem.jsonl", "/nowhere", "mem.jsonl", InputFormat.JsonLines, length, "\"e\"", DateTimeOffset.UnixEpoch);
        var slice = new ShardSlice(0, 0, length, 1, 0, ToEnd: true);
        return (new ShardReader(new InputStores(), options), input, slice);
    }

    [Fact]
    public async Task AHugeLineIsReportedWithItsLengthWhileTheBufferStaysNearTheCap()
    {
        const long huge = 300L << 20; // the reader never holds it: 300 MiB through a 1 MiB cap
        var options = new CorpusOptions { MaxDocumentBytes = 1 << 20 };
        var (reader, input, slice) = Reader(options, huge + 100);
        var records = new List<CorpusRecord>();
        await foreach (var record in reader.ReadLinesAsync(new HugeLineStream(huge, "\r\n{\"text\":\"after\"}"u8.ToArray()), input, slice))
            records.Add(record);

        Assert.Equal([$"E mem.jsonl:1: line of {huge} bytes is over --max-document-bytes {1 << 20}", "D mem.jsonl:2 id=mem.jsonl:2 text=after kept=[]"],
            records.Select(CorpusTestKit.Describe));
        Assert.InRange(reader.LastPeakBufferBytes, 1 << 20, 2 << 20 + 2);
    }

    [Fact]
    public async Task ALineExactlyAtTheCapIsADocumentAndOneByteMoreIsNot()
    {
        var options = new CorpusOptions { MaxDocumentBytes = 1000 };
        var exact = "{\"text\":\"" + new string('x', 1000 - 11) + "\"}";
        Assert.Equal(1000, exact.Length);
        var data = Encoding.UTF8.GetBytes(exact + "\r\n" + exact.Replace("{", "{ ") + "\n" + exact);
        var (reader, input, slice) = Reader(options, data.Length);
        var records = new List<CorpusRecord>();
        await foreach (var record in reader.ReadLinesAsync(new MemoryStream(data), input, slice, initialBufferBytes: 64)) records.Add(record);
        Assert.IsType<Document>(records[0]);
        Assert.Equal("line of 1001 bytes is over --max-document-bytes 1000", Assert.IsType<DocumentError>(records[1]).Reason);
        Assert.IsType<Document>(records[2]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task ReadsInTinyPiecesGiveTheSameRecordsAsOneRead(int seed)
    {
        var options = new CorpusOptions { MaxDocumentBytes = 200 };
        var text = new StringBuilder("\uFEFF");
        for (var i = 0; i < 300; i++)
            text.Append(i % 7 == 0 ? $"{{\"text\":\"{new string('y', 150 + i % 100)}\"}}" : $"{{\"id\":{i},\"text\":\"é{i}\"}}").Append(i % 3 == 0 ? "\r\n" : "\n");
        text.Append("{\"text\":\"no newline\"}");
        var data = Encoding.UTF8.GetBytes(text.ToString());
        var (reader, input, slice) = Reader(options, data.Length);

        var whole = new List<string>();
        await foreach (var r in reader.ReadLinesAsync(new MemoryStream(data), input, slice)) whole.Add(CorpusTestKit.Describe(r));
        var trickled = new List<string>();
        await foreach (var r in reader.ReadLinesAsync(new TrickleStream(data, seed), input, slice, initialBufferBytes: 16)) trickled.Add(CorpusTestKit.Describe(r));

        Assert.Equal(301, whole.Count);
        Assert.Equal("D mem.jsonl:1 id=mem.jsonl:1 text=" + new string('y', 150) + " kept=[]", whole[0]);
        Assert.Equal("D mem.jsonl:301 id=mem.jsonl:301 text=no newline kept=[]", whole[^1]);
        Assert.Contains(whole, w => w.StartsWith("E mem.jsonl:") && w.Contains("over --max-document-bytes 200"));
        Assert.Equal(whole, trickled);
    }
}
