namespace Clustering.Parquet.Encodings;

/// <summary>
/// The RLE / bit-packing hybrid of parquet-format Encodings.md, used for definition and repetition levels,
/// dictionary indices and booleans. A run of 8 or more equal values becomes an RLE run
/// (header <c>count &lt;&lt; 1</c>, then the value in ceil(bitWidth/8) bytes); anything else is bit-packed in
/// groups of 8 values (header <c>groups &lt;&lt; 1 | 1</c>, at most 63 groups per run, values LSB first).
/// The decision is made as values stream in, as parquet-mr's RunLengthBitPackingHybridEncoder does: values
/// are buffered 8 at a time, and a value repeated 8 times turns the tail into an RLE run.
/// </summary>
internal sealed class RleBitPackedHybridEncoder
{
    private readonly int[] _buffered = new int[8];
    private ByteBuffer _output = null!;
    private int _bitWidth;
    private int _bufferedCount;
    private int _previous;
    private int _repeatCount;
    private int _bitPackedGroups;
    private int _bitPackedHeaderPosition = -1;

    /// <summary>Starts a new encoded run sequence appended to <paramref name="output"/>.</summary>
    public void Begin(ByteBuffer output, int bitWidth)
    {
        if (bitWidth is < 0 or > 32) throw new ArgumentOutOfRangeException(nameof(bitWidth));
        _output = output;
        _bitWidth = bitWidth;
        _bufferedCount = 0;
        _previous = 0;
        _repeatCount = 0;
        _bitPackedGroups = 0;
        _bitPackedHeaderPosition = -1;
    }

    public void Put(int value)
    {
        if (value == _previous)
        {
            _repeatCount++;
            if (_repeatCount >= 8) return; // the run continues; it is written when it ends
        }
        else
        {
            if (_repeatCount >= 8) WriteRleRun();
            _repeatCount = 1;
            _previous = value;
        }
        _buffered[_bufferedCount++] = value;
        if (_bufferedCount == 8) WriteBitPackedGroup();
    }

    /// <summary><paramref name="count"/> copies of <paramref name="value"/>: once a run is established the rest costs nothing.</summary>
    public void PutRepeated(int value, int count)
    {
        for (int i = 0; i < count; i++)
        {
            if (value == _previous && _repeatCount >= 8)
            {
                _repeatCount += count - i;
                return;
            }
            Put(value);
        }
    }

    /// <summary>Writes what is still buffered. The encoder can then be begun again.</summary>
    public void End()
    {
        if (_repeatCount >= 8)
        {
            WriteRleRun();
        }
        else if (_bufferedCount > 0)
        {
            // Pad the last group with zeros: the reader knows the value count and ignores them.
            for (int i = _bufferedCount; i < 8; i++) _buffered[i] = 0;
            WriteBitPackedGroup();
            EndBitPackedRun();
        }
        else
        {
            EndBitPackedRun();
        }
    }

    private void WriteBitPackedGroup()
    {
        if (_bitPackedGroups >= 63) EndBitPackedRun(); // the one-byte header holds at most 63 groups
        if (_bitPackedHeaderPosition < 0)
        {
            _bitPackedHeaderPosition = _output.Length;
            _output.WriteByte(0); // patched in EndBitPackedRun
        }
        BitPacking.Pack8(_buffered, _bitWidth, _output.Append(_bitWidth));
        _bufferedCount = 0;
        _repeatCount = 0; // repeated values just went into this group
        _bitPackedGroups++;
    }

    private void EndBitPackedRun()
    {
        if (_bitPackedHeaderPosition < 0) return;
        _output.SetByte(_bitPackedHeaderPosition, (byte)((_bitPackedGroups << 1) | 1));
        _bitPackedHeaderPosition = -1;
        _bitPackedGroups = 0;
    }

    private void WriteRleRun()
    {
        EndBitPackedRun();
        _output.WriteVarUInt64((ulong)_repeatCount << 1);
        int valueBytes = (_bitWidth + 7) / 8;
        for (int i = 0; i < valueBytes; i++) _output.WriteByte((byte)(_previous >> (8 * i)));
        _repeatCount = 0;
        _bufferedCount = 0; // the buffered values were the start of this run
    }
}
