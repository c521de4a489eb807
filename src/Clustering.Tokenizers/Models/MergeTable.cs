using System.Runtime.CompilerServices;

namespace Clustering.Tokenizers.Models;

/// <summary>
/// BPE merge ranks: (left id, right id) → (rank, merged id), in an open-addressing table keyed by the two ids packed
/// in a long, so a lookup hashes two ints and allocates nothing (no strings per pair).
/// </summary>
internal sealed class MergeTable
{
    private readonly long[] _keys;   // (capacity) packed pair, -1 = empty
    private readonly int[] _ranks;   // (capacity)
    private readonly int[] _merged;  // (capacity)
    private readonly int _mask;
    public int Count { get; private set; }

    public MergeTable(int expected)
    {
        int capacity = 16;
        while (capacity < expected * 2) capacity <<= 1;
        _keys = new long[capacity];
        Array.Fill(_keys, -1L);
        _ranks = new int[capacity];
        _merged = new int[capacity];
        _mask = capacity - 1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static long Pack(int left, int right) => ((long)left << 32) | (uint)right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Slot(long key) => (int)((ulong)(key * unchecked((long)0x9E3779B97F4A7C15)) >> 40) & _mask;

    /// <summary>Adds or overwrites (a later duplicate merge wins, as in Hugging Face's HashMap collect).</summary>
    public void Set(int left, int right, int rank, int merged)
    {
        long key = Pack(left, right);
        int i = Slot(key);
        while (_keys[i] != -1 && _keys[i] != key) i = (i + 1) & _mask;
        if (_keys[i] == -1) Count++;
        _keys[i] = key;
        _ranks[i] = rank;
        _merged[i] = merged;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryGet(int left, int right, out int rank, out int merged)
    {
        long key = Pack(left, right);
        int i = Slot(key);
        while (true)
        {
            long k = _keys[i];
            if (k == key) { rank = _ranks[i]; merged = _merged[i]; return true; }
            if (k == -1) { rank = 0; merged = 0; return false; }
            i = (i + 1) & _mask;
        }
    }
}
