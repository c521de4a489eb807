using System.Buffers.Binary;

namespace Clustering.Tokenizers.Unicode;

/// <summary>
/// The Unicode data behind <see cref="UnicodeNormalizer"/> and <see cref="UnicodeCase"/>, read once from the embedded
/// UnicodeTables.bin (written by generate_unicode_tables.py from Python's unicodedata). Why not string.Normalize:
/// the project runs with InvariantGlobalization, where it returns its input unchanged.
/// </summary>
internal sealed class UnicodeTables
{
    public static UnicodeTables Instance { get; } = Load();

    public string Version { get; private init; } = "";
    /// <summary>Canonical combining class per code point; absent = 0.</summary>
    public Dictionary<int, byte> CombiningClass { get; } = new();
    public Dictionary<int, int[]> CanonicalDecomposition { get; } = new();
    public Dictionary<int, int[]> CompatibilityDecomposition { get; } = new();
    /// <summary>(first &lt;&lt; 21 | second) → primary composite.</summary>
    public Dictionary<long, int> Composition { get; } = new();
    public Dictionary<int, int[]> Lowercase { get; } = new();

    /// <summary>Code points that may change under each form (or may combine with a neighbour): a bit per code point.</summary>
    public ulong[] UnstableNfc { get; } = new ulong[0x110000 / 64];
    public ulong[] UnstableNfd { get; } = new ulong[0x110000 / 64];
    public ulong[] UnstableNfkc { get; } = new ulong[0x110000 / 64];
    public ulong[] UnstableNfkd { get; } = new ulong[0x110000 / 64];
    /// <summary>
    /// Code points whose NFC_Quick_Check is not Yes (UAX #15): decomposable ones that are not primary composites (No) and
    /// those that can be the second of a composition (Maybe). With <see cref="NonStarter"/> this is the standard quick check.
    /// </summary>
    public ulong[] NfcQuickCheckNotYes { get; } = new ulong[0x110000 / 64];
    /// <summary>NFD's quick check: code points with a canonical decomposition (Hangul syllables included).</summary>
    public ulong[] NfdQuickCheckNotYes { get; } = new ulong[0x110000 / 64];
    /// <summary>NFKD's: code points with any decomposition, canonical or compatibility.</summary>
    public ulong[] NfkdQuickCheckNotYes { get; } = new ulong[0x110000 / 64];
    /// <summary>
    /// NFKC's, a superset of UAX #15's (it may answer "maybe" where the standard says yes, never the reverse): NFC's,
    /// plus code points whose compatibility decomposition differs from their canonical one. Text passing it has
    /// NFKD = NFD, so NFKC = NFC, which NFC's check already vouches for.
    /// </summary>
    public ulong[] NfkcQuickCheckNotYes { get; } = new ulong[0x110000 / 64];
    /// <summary>Code points with a nonzero canonical combining class.</summary>
    public ulong[] NonStarter { get; } = new ulong[0x110000 / 64];

    private static UnicodeTables Load()
    {
        using var stream = typeof(UnicodeTables).Assembly.GetManifestResourceStream("Clustering.Tokenizers.UnicodeTables.bin")
            ?? throw new InvalidOperationException("embedded resource UnicodeTables.bin is missing from Clustering.Tokenizers");
        var data = new byte[stream.Length];
        stream.ReadExactly(data);
        int pos = 4;
        int Next() { int v = BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(pos)); pos += 4; return v; }
        var t = new UnicodeTables { Version = $"{Next()}.{Next()}.{Next()}" };
        for (int n = Next(), i = 0; i < n; i++) { int c = Next(); t.CombiningClass[c] = (byte)Next(); }
        ReadMappings(t.CanonicalDecomposition);
        ReadMappings(t.CompatibilityDecomposition);
        for (int n = Next(), i = 0; i < n; i++) { int a = Next(), b = Next(), c = Next(); t.Composition[((long)a << 21) | (uint)b] = c; }
        ReadMappings(t.Lowercase);

        foreach (var c in t.CombiningClass.Keys) { Set(t.UnstableNfc, c); Set(t.UnstableNfd, c); Set(t.UnstableNfkc, c); Set(t.UnstableNfkd, c); }
        foreach (var c in t.CanonicalDecomposition.Keys) { Set(t.UnstableNfc, c); Set(t.UnstableNfd, c); Set(t.UnstableNfkc, c); Set(t.UnstableNfkd, c); }
        foreach (var c in t.CompatibilityDecomposition.Keys) { Set(t.UnstableNfkc, c); Set(t.UnstableNfkd, c); }
        foreach (var key in t.Composition.Keys) { int second = (int)(key & 0x1FFFFF); Set(t.UnstableNfc, second); Set(t.UnstableNfkc, second); }
        for (int c = 0xAC00; c <= 0xD7A3; c++) { Set(t.UnstableNfd, c); Set(t.UnstableNfkd, c); }
        // Hangul jamo compose into syllables: V and T jamo are "second" characters.
        for (int c = 0x1161; c <= 0x1175; c++) { Set(t.UnstableNfc, c); Set(t.UnstableNfkc, c); }
        for (int c = 0x11A8; c <= 0x11C2; c++) { Set(t.UnstableNfc, c); Set(t.UnstableNfkc, c); }

        var primaryComposites = new HashSet<int>(t.Composition.Values);
        foreach (var c in t.CanonicalDecomposition.Keys) if (!primaryComposites.Contains(c)) Set(t.NfcQuickCheckNotYes, c);
        foreach (var key in t.Composition.Keys) Set(t.NfcQuickCheckNotYes, (int)(key & 0x1FFFFF));
        for (int c = 0x1161; c <= 0x1175; c++) Set(t.NfcQuickCheckNotYes, c);
        for (int c = 0x11A8; c <= 0x11C2; c++) Set(t.NfcQuickCheckNotYes, c);
        foreach (var (c, ccc) in t.CombiningClass) if (ccc != 0) Set(t.NonStarter, c);
        for (int c = 0xAC00; c <= 0xD7A3; c++) { Set(t.NfdQuickCheckNotYes, c); Set(t.NfkdQuickCheckNotYes, c); }
        foreach (var c in t.CanonicalDecomposition.Keys) { Set(t.NfdQuickCheckNotYes, c); Set(t.NfkdQuickCheckNotYes, c); }
        foreach (var c in t.CompatibilityDecomposition.Keys) Set(t.NfkdQuickCheckNotYes, c);
        Array.Copy(t.NfcQuickCheckNotYes, t.NfkcQuickCheckNotYes, t.NfcQuickCheckNotYes.Length);
        foreach (var (c, compatibility) in t.CompatibilityDecomposition)
            if (!t.CanonicalDecomposition.TryGetValue(c, out var canonical) || !canonical.AsSpan().SequenceEqual(compatibility))
                Set(t.NfkcQuickCheckNotYes, c);
        return t;

        void ReadMappings(Dictionary<int, int[]> into)
        {
            for (int n = Next(), i = 0; i < n; i++)
            {
                int c = Next();
                var mapped = new int[Next()];
                for (int k = 0; k < mapped.Length; k++) mapped[k] = Next();
                into[c] = mapped;
            }
        }
        static void Set(ulong[] bits, int c) => bits[c >> 6] |= 1UL << (c & 63);
    }

    public static bool IsSet(ulong[] bits, int c) => (bits[c >> 6] & (1UL << (c & 63))) != 0;
}
