namespace Clustering.Tokenizers;

/// <summary>
/// Pre-tokenized word → model ids, for one thread (so no locks). Looked up by span, so a hit allocates nothing.
/// Bounded: when full it is cleared, which keeps memory fixed and lets the cache follow a changing vocabulary of words.
/// Words longer than <see cref="MaxWordLength"/> are not cached (as Hugging Face).
/// </summary>
internal sealed class WordCache
{
    public const int MaxWordLength = 256;
    private readonly Dictionary<string, int[]> _entries;
    private readonly Dictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> _bySpan;

    public WordCache(int capacity) : this(capacity, new Dictionary<string, int[]>(Math.Min(capacity, 4096), StringComparer.Ordinal)) { }

    private WordCache(int capacity, Dictionary<string, int[]> entries) : this(capacity, entries, entries.GetAlternateLookup<ReadOnlySpan<char>>()) { }

    private WordCache(int capacity, Dictionary<string, int[]> entries, Dictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> bySpan)
    {
        _capacity = capacity;
        _entries = entries;
        _bySpan = bySpan;
    }

    private readonly int _capacity;

    public bool TryGet(ReadOnlySpan<char> word, out int[] ids) => _bySpan.TryGetValue(word, out ids!);

    public void Add(ReadOnlySpan<char> word, int[] ids)
    {
        if (_capacity <= 0 || word.Length > MaxWordLength) return;
        if (_entries.Count >= _capacity) _entries.Clear();
        _bySpan[word] = ids;
    }

    /// <summary>As <see cref="Add(ReadOnlySpan{char}, int[])"/> with a key string the caller already has (no copy).</summary>
    public void Add(string word, int[] ids)
    {
        if (_capacity <= 0 || word.Length > MaxWordLength) return;
        if (_entries.Count >= _capacity) _entries.Clear();
        _entries[word] = ids;
    }

    public int Count => _entries.Count;
}
