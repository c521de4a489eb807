namespace Clustering.Inference;

/// <summary>
/// One flat, unpadded batch: every sequence's ids concatenated, with the offsets that separate them.
/// The arrays are sized once (token and sequence capacity) and refilled for each batch, so building a batch
/// allocates nothing; only the first <see cref="TokenCount"/> / <see cref="SequenceCount"/> entries are live.
/// </summary>
public sealed class TokenBatch
{
    /// <summary>(tokens) all sequences' ids, concatenated.</summary>
    public int[] Ids { get; }

    /// <summary>(tokens) position of each token inside its own sequence (0-based): RoPE reads it.</summary>
    public int[] Positions { get; }

    /// <summary>(sequences + 1) start offset of each sequence in <see cref="Ids"/>, then the total.</summary>
    public int[] CuSeqLens { get; }

    /// <summary>(sequences) the token each sequence is pooled from: its last token for last-token pooling.</summary>
    public int[] PooledIndices { get; }

    public int TokenCount { get; private set; }
    public int SequenceCount { get; private set; }
    public int MaxSequenceLength { get; private set; }

    public int TokenCapacity => Ids.Length;
    public int SequenceCapacity => PooledIndices.Length;

    public TokenBatch(int tokenCapacity, int sequenceCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(tokenCapacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(sequenceCapacity, 1);
        Ids = new int[tokenCapacity];
        Positions = new int[tokenCapacity];
        CuSeqLens = new int[sequenceCapacity + 1];
        PooledIndices = new int[sequenceCapacity];
    }

    public void Clear()
    {
        TokenCount = 0;
        SequenceCount = 0;
        MaxSequenceLength = 0;
        CuSeqLens[0] = 0;
    }

    /// <summary>True when a sequence of <paramref name="length"/> tokens still fits.</summary>
    public bool CanAdd(int length) =>
        SequenceCount < SequenceCapacity && TokenCount + length <= TokenCapacity;

    /// <summary>Appends one sequence; it must be non-empty and fit (see <see cref="CanAdd"/>).</summary>
    public void Add(ReadOnlySpan<int> ids)
    {
        if (ids.Length == 0) throw new ArgumentException("a sequence needs at least one token", nameof(ids));
        if (!CanAdd(ids.Length)) throw new InvalidOperationException($"batch is full ({TokenCount}/{TokenCapacity} tokens, {SequenceCount}/{SequenceCapacity} sequences)");
        var start = TokenCount;
        ids.CopyTo(Ids.AsSpan(start));
        for (var i = 0; i < ids.Length; i++) Positions[start + i] = i;
        TokenCount += ids.Length;
        PooledIndices[SequenceCount] = TokenCount - 1;
        SequenceCount++;
        CuSeqLens[SequenceCount] = TokenCount;
        MaxSequenceLength = Math.Max(MaxSequenceLength, ids.Length);
    }

    public int SequenceStart(int sequence) => CuSeqLens[sequence];
    public int SequenceLength(int sequence) => CuSeqLens[sequence + 1] - CuSeqLens[sequence];
}
