using System.Text;

namespace Clustering.Tokenizers.Models;

/// <summary>Per-thread buffers of the models (one thread encodes with one), grown as needed and reused.</summary>
internal sealed class ModelScratch
{
    public int[] Symbols = new int[256];   // (symbols) ids being merged
    public int[] Ranks = new int[256];     // (symbols) rank of the pair starting at each symbol
    private byte[] _bytes = new byte[256];
    private char[] _chars = new char[256];
    private int[] _prev = new int[256], _next = new int[256];
    private bool[] _alive = new bool[256];
    public readonly PriorityQueue<(int, int), long> Queue = new();
    private double[] _best = new double[256];
    private int[] _startsAt = new int[256], _latticeIds = new int[256];
    /// <summary>Unigram's best path back from the end: (start, end, id or -1 for fused unks).</summary>
    public readonly List<(int Start, int End, int Id)> Segments = new();

    /// <summary>Unigram's Viterbi arrays over n positions: best score ending there, where that edge starts, its id.</summary>
    public (double[] Best, int[] StartsAt, int[] Ids) Lattice(int n)
    {
        if (_best.Length < n) { _best = new double[n]; _startsAt = new int[n]; _latticeIds = new int[n]; }
        return (_best, _startsAt, _latticeIds);
    }

    public void EnsureSymbols(int n)
    {
        if (Symbols.Length < n) { Symbols = new int[n]; Ranks = new int[n]; }
    }
    public byte[] Bytes(int n) => _bytes.Length >= n ? _bytes : _bytes = new byte[Math.Max(n, _bytes.Length * 2)];
    public char[] Chars(int n) => _chars.Length >= n ? _chars : _chars = new char[Math.Max(n, _chars.Length * 2)];
    public int[] Prev(int n) => _prev.Length >= n ? _prev : _prev = new int[n];
    public int[] Next(int n) => _next.Length >= n ? _next : _next = new int[n];
    public bool[] Alive(int n) => _alive.Length >= n ? _alive : _alive = new bool[n];

    /// <summary>The word's UTF-8 bytes as byte-level characters (for ignore_merges lookups of a whole word).</summary>
    public ReadOnlySpan<char> MapToByteLevel(ReadOnlySpan<char> word)
    {
        int byteCount = Encoding.UTF8.GetByteCount(word);
        var bytes = Bytes(byteCount);
        Encoding.UTF8.GetBytes(word, bytes);
        var chars = Chars(byteCount);
        for (int i = 0; i < byteCount; i++) chars[i] = ByteLevelAlphabet.ByteToChar[bytes[i]];
        return chars.AsSpan(0, byteCount);
    }
}
