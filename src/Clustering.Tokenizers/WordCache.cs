namespace Clustering.Tokenizers;

/// <summary>
/// Pre-tokenized word → model ids, for one thread (so no locks). Looked up by span, so a hit allocates nothing.
/// Bounded: when full it is cleared, which keeps memory fixed and lets the cache follow a changing vocabulary of words.
/// Words longer than <see cref="MaxWordLength"/> are not cached (as Hugging Face).
/// </summary>
internal sealed class WordCache(int capacity)
{
    public const int MaxWordLength = 256;
    private readonly Dictionary<string, int[]> _entries = new(Math.Min(capacity, 4096));

    public bool TryGet(ReadOnlySpan<char> word, out int[] ids) =>
        _entries.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(word, out ids!);

    public void Add(ReadOnlySpan<char> word, int[] ids)
    {
        if (capacity <= 0 || word.Length > MaxWordLength) return;
        if (_entries.Count >= capacity) _entries.Clear();
        _entries.GetAlternateLookup<ReadOnlySpan<char>>()[word] = ids;
    }

    public int Count => _entries.Count;
}
