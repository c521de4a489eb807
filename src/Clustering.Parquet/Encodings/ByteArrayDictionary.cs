namespace Clustering.Parquet.Encodings;

/// <summary>
/// The dictionary of one string column chunk: distinct values in first-seen order and the index of each
/// value. An open-addressing hash table over the column's own bytes, so building it allocates nothing once
/// its arrays have grown to the working size (they are kept across row groups).
/// </summary>
internal sealed class ByteArrayDictionary
{
    private int[] _slots = new int[1024];   // (capacity) entry + 1, or 0 when empty
    private int[] _entryValue = new int[256]; // (entries) index of the first value holding this entry's bytes
    private int[] _entryHash = new int[256];  // (entries)
    private int[] _indices = new int[1024];   // (values) entry of each value

    /// <summary>Distinct values.</summary>
    public int Count { get; private set; }

    /// <summary>PLAIN size of the distinct values (4-byte length + bytes each): the dictionary page's body.</summary>
    public long PlainBytes { get; private set; }

    /// <summary>(values) the dictionary index of each non-null value.</summary>
    public ReadOnlySpan<int> Indices => _indices;

    /// <summary>The value holding entry <paramref name="entry"/>'s bytes.</summary>
    public int EntryValue(int entry) => _entryValue[entry];

    /// <summary>
    /// Builds the dictionary of <paramref name="column"/>'s values. False as soon as the distinct values pass
    /// <paramref name="maxBytes"/>: the chunk is then written PLAIN.
    /// </summary>
    public bool TryBuild(ParquetStringColumn column, int maxBytes)
    {
        Count = 0;
        PlainBytes = 0;
        int values = column.ValueCount;
        if (_indices.Length < values) _indices = new int[Math.Max(values, _indices.Length * 2)];
        Array.Clear(_slots);
        int mask = _slots.Length - 1;

        for (int v = 0; v < values; v++)
        {
            var bytes = column.Value(v);
            int hash = Hash(bytes);
            int slot = hash & mask;
            int entry;
            while (true)
            {
                int occupant = _slots[slot];
                if (occupant == 0)
                {
                    entry = Add(v, hash, bytes.Length);
                    _slots[slot] = entry + 1;
                    if (PlainBytes > maxBytes) return false;
                    if (Count * 2 > _slots.Length)
                    {
                        Rehash(_slots.Length * 2);
                        mask = _slots.Length - 1;
                    }
                    break;
                }
                int candidate = occupant - 1;
                if (_entryHash[candidate] == hash && column.Value(_entryValue[candidate]).SequenceEqual(bytes))
                {
                    entry = candidate;
                    break;
                }
                slot = (slot + 1) & mask;
            }
            _indices[v] = entry;
        }
        return true;
    }

    private int Add(int value, int hash, int length)
    {
        if (Count == _entryValue.Length)
        {
            Array.Resize(ref _entryValue, Count * 2);
            Array.Resize(ref _entryHash, Count * 2);
        }
        _entryValue[Count] = value;
        _entryHash[Count] = hash;
        PlainBytes += 4 + length;
        return Count++;
    }

    private void Rehash(int capacity)
    {
        _slots = new int[capacity];
        int mask = capacity - 1;
        for (int entry = 0; entry < Count; entry++)
        {
            int slot = _entryHash[entry] & mask;
            while (_slots[slot] != 0) slot = (slot + 1) & mask;
            _slots[slot] = entry + 1;
        }
    }

    private static int Hash(ReadOnlySpan<byte> bytes)
    {
        var hash = new HashCode();
        hash.AddBytes(bytes);
        return hash.ToHashCode() & int.MaxValue;
    }
}
