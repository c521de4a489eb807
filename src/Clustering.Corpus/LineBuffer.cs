using System.Buffers;

namespace Clustering.Corpus;

/// <summary>
/// Cuts a byte stream into lines inside one pooled buffer. The buffer starts small and grows only while a line is
/// still within the cap (<c>--max-document-bytes</c>); a longer line is not kept: its bytes are counted and dropped as
/// they arrive, so a 2 GB line costs a cap-sized buffer, not 2 GB. Protocol: take every complete line
/// (<see cref="TryTakeLine"/> until <see cref="LineStatus.None"/>), then <see cref="GetWritable"/>, read into it,
/// <see cref="Commit"/>; at the end of the stream <see cref="TakeFinal"/> gives the last line without '\n'.
/// </summary>
internal sealed class LineBuffer : IDisposable
{
    internal const int InitialBytes = 1 << 18;

    private readonly int _maxLineBytes;
    private byte[] _buffer;
    private int _start;
    private int _end;
    private long _nextLine;
    // >= 0 while dropping a line that is already over the cap: its bytes so far.
    private long _droppedBytes = -1;

    public LineBuffer(int maxLineBytes, long firstLine, int initialBytes = InitialBytes)
    {
        _maxLineBytes = maxLineBytes;
        _nextLine = firstLine;
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Min(initialBytes, maxLineBytes + 2));
        PeakCapacity = _buffer.Length;
    }

    public int MaxLineBytes => _maxLineBytes;

    /// <summary>The number of the line that the next byte belongs to.</summary>
    public long NextLine => _nextLine;

    /// <summary>The largest buffer held so far (tests check that it stays near the cap).</summary>
    public int PeakCapacity { get; private set; }

    public Memory<byte> GetWritable()
    {
        if (_end < _buffer.Length) return _buffer.AsMemory(_end);
        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
            return _buffer.AsMemory(_end);
        }
        // The buffer holds one partial line and nothing else.
        if (_droppedBytes < 0 && _buffer.Length < _maxLineBytes + 2)
        {
            var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)_buffer.Length * 2, _maxLineBytes + 2L));
            _buffer.AsSpan(0, _end).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = larger;
            PeakCapacity = Math.Max(PeakCapacity, larger.Length);
            return _buffer.AsMemory(_end);
        }
        // At least cap + 2 bytes and no '\n': the line is over the cap whatever follows. Drop what we have.
        _droppedBytes = Math.Max(_droppedBytes, 0) + _end;
        _start = _end = 0;
        return _buffer;
    }

    public void Commit(int count) => _end += count;

    /// <summary>The next complete line (without '\n'), or <see cref="LineStatus.None"/> when none is complete.</summary>
    public LineStatus TryTakeLine(out ReadOnlySpan<byte> line, out long number, out long length)
    {
        var newline = _buffer.AsSpan(_start, _end - _start).IndexOf((byte)'\n');
        if (newline < 0)
        {
            line = default;
            number = length = 0;
            if (_droppedBytes >= 0)
            {
                _droppedBytes += _end - _start;
                _start = _end = 0;
            }
            return LineStatus.None;
        }
        return Take(newline, consumed: newline + 1, out line, out number, out length);
    }

    /// <summary>At the end of the stream: the last line when it has no '\n', else <see cref="LineStatus.None"/>.</summary>
    public LineStatus TakeFinal(out ReadOnlySpan<byte> line, out long number, out long length)
    {
        if (_end == _start && _droppedBytes < 0)
        {
            line = default;
            number = length = 0;
            return LineStatus.None;
        }
        return Take(_end - _start, consumed: _end - _start, out line, out number, out length);
    }

    private LineStatus Take(int lineBytes, int consumed, out ReadOnlySpan<byte> line, out long number, out long length)
    {
        line = _buffer.AsSpan(_start, lineBytes);
        _start += consumed;
        number = _nextLine++;
        if (line.Length > 0 && line[^1] == (byte)'\r') line = line[..^1];
        length = line.Length;
        if (_droppedBytes >= 0)
        {
            length += _droppedBytes;
            _droppedBytes = -1;
            line = default;
            return LineStatus.Oversize;
        }
        return line.Length > _maxLineBytes ? LineStatus.Oversize : LineStatus.Line;
    }

    public void Dispose()
    {
        if (_buffer.Length > 0) ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }
}

internal enum LineStatus
{
    None,
    Line,
    Oversize,
}
