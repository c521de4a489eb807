using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Text;

namespace Clustering.Tokenizers.Normalization;

/// <summary>
/// SentencePiece's <c>precompiled_charsmap</c> (the normalization rules a SentencePiece model carries, e.g. nmt_nfkc in
/// XLM-R, mBART, multilingual-e5): <c>[u32 LE trie size in bytes][trie: u32 LE units][replacements: UTF-8, each ending
/// in NUL]</c>. The trie is a darts-clone double array over UTF-8 bytes whose leaves hold byte offsets into the
/// replacements. Lookups follow Hugging Face's spm_precompiled: the FIRST (shortest) key that is a prefix of the input
/// wins, which is what its normalizer asks of whole graphemes.
/// </summary>
internal sealed class PrecompiledCharsmap
{
    private readonly uint[] _units;
    private readonly byte[] _replacements;
    private readonly string?[] _bmp; // (65536) the replacement of each single BMP character, null when it has none
    private readonly ConcurrentDictionary<int, string> _replacementAt = new(); // decoded replacements by byte offset

    private PrecompiledCharsmap(uint[] units, byte[] replacements)
    {
        _units = units;
        _replacements = replacements;
        _bmp = new string?[65536];
        Span<byte> utf8 = stackalloc byte[4];
        for (int c = 0; c < 65536; c++)
        {
            if (c is >= 0xD800 and <= 0xDFFF) continue;
            int n = new Rune(c).EncodeToUtf8(utf8);
            _bmp[c] = Find(utf8[..n]);
        }
    }

    /// <summary>Reads a charsmap; the reason it cannot be read otherwise (the caller names the file and field).</summary>
    public static PrecompiledCharsmap Parse(byte[] blob)
    {
        if (blob.Length < 4) throw new FormatException($"{blob.Length} bytes, shorter than the 4-byte trie size");
        uint trieBytes = BinaryPrimitives.ReadUInt32LittleEndian(blob);
        if (trieBytes > blob.Length - 4) throw new FormatException($"the trie size {trieBytes} is over the {blob.Length - 4} bytes that follow it");
        if (trieBytes < 4) throw new FormatException("the trie is empty");
        var units = new uint[trieBytes / 4];
        for (int i = 0; i < units.Length; i++) units[i] = BinaryPrimitives.ReadUInt32LittleEndian(blob.AsSpan(4 + i * 4));
        var replacements = blob.AsSpan(4 + (int)trieBytes).ToArray();
        try { _ = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(replacements); }
        catch (DecoderFallbackException) { throw new FormatException("the replacement strings are not valid UTF-8"); }
        return new PrecompiledCharsmap(units, replacements);
    }

    /// <summary>The replacement of one BMP character alone, or null.</summary>
    public string? Of(char c) => _bmp[c];

    /// <summary>The replacement of the shortest key that prefixes <paramref name="utf8"/>, or null when none does.</summary>
    public string? Find(ReadOnlySpan<byte> utf8)
    {
        // darts-clone units: label = bits 0-7 (bit 31 set marks a value unit, so it never equals a byte), has-leaf =
        // bit 8, offset = bits 10-31, shifted left 8 more when bit 9 is set; a child is found at position ^ offset ^ byte.
        uint position = Offset(_units[0]);
        foreach (byte b in utf8)
        {
            if (b == 0) break; // SentencePiece keys are C strings
            position ^= b;
            if (position >= _units.Length) return null;
            uint unit = _units[position];
            if ((unit & (0x8000_00FFu)) != b) return null;
            position ^= Offset(unit);
            if (((unit >> 8) & 1) == 1)
            {
                if (position >= _units.Length) return null;
                return ReplacementAt((int)(_units[position] & 0x7FFF_FFFF));
            }
        }
        return null;
    }

    private static uint Offset(uint unit) => (unit >> 10) << (int)((unit & (1u << 9)) >> 6);

    private string ReplacementAt(int index) => _replacementAt.GetOrAdd(index, static (i, bytes) =>
    {
        int start = Math.Min(i, bytes.Length), end = start;
        while (end < bytes.Length && bytes[end] != 0) end++;
        return Encoding.UTF8.GetString(bytes, start, end - start);
    }, _replacements);
}
