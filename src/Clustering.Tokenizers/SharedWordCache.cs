using System.Collections.Concurrent;

namespace Clustering.Tokenizers;

/// <summary>
/// Pre-tokenized word → model ids, shared by every thread of one tokenizer: the second level behind each thread's
/// <see cref="WordCache"/>. A thread that starts cold, or whose own cache was just cleared, finds the words other
/// threads already merged here instead of running BPE again (on this corpus a cold thread encodes at about half the
/// speed of a warm one). Reads take no lock. Bounded as Hugging Face bounds its cache: when full, nothing more is added
/// (the words seen first, which are mostly the frequent ones, stay). The id arrays are shared and never written.
/// </summary>
internal sealed class SharedWordCache
{
    private readonly ConcurrentDictionary<string, int[]> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> _bySpan;
    private readonly int _capacity;
    private int _count; // ConcurrentDictionary.Count takes every lock, so the bound is kept here

    public SharedWordCache(int capacity)
    {
        _capacity = capacity;
        _bySpan = _entries.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>The ids of <paramref name="word"/> and the cached key string (so the caller need not allocate one).</summary>
    public bool TryGet(ReadOnlySpan<char> word, out string key, out int[] ids) => _bySpan.TryGetValue(word, out key!, out ids!);

    public void Add(string word, int[] ids)
    {
        if (Volatile.Read(ref _count) >= _capacity || word.Length > WordCache.MaxWordLength) return;
        if (_entries.TryAdd(word, ids)) Interlocked.Increment(ref _count);
    }

    public int Count => Volatile.Read(ref _count);
}
