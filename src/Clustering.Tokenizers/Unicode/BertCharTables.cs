namespace Clustering.Tokenizers.Unicode;

/// <summary>
/// The character tests of Hugging Face's BERT components (normalizers/bert.rs, pre_tokenizers/bert.rs), with the
/// category lists of the unicode_categories crate they use (Unicode 8.0, see generate_bert_char_tables.py), one bit
/// per code point.
/// </summary>
internal static partial class BertCharTables
{
    private static readonly ulong[] ControlOrFormatBits = Bits(ControlOrFormat);
    private static readonly ulong[] MarkBits = Bits(MarkNonspacing);
    private static readonly ulong[] PunctuationBits = Bits(Punctuation);

    private static ulong[] Bits(ReadOnlySpan<int> points)
    {
        var bits = new ulong[0x110000 / 64];
        foreach (int c in points) bits[c >> 6] |= 1UL << (c & 63);
        return bits;
    }

    private static bool Has(ulong[] bits, int c) => (uint)c < 0x110000 && (bits[c >> 6] & (1UL << (c & 63))) != 0;

    /// <summary>bert.rs is_control: Cc, Cf or Co (the three private-use ranges), except tab, newline and carriage return (whitespace there).</summary>
    public static bool IsControl(int c) => c is not ('\t' or '\n' or '\r')
        && (Has(ControlOrFormatBits, c) || c is (>= 0xE000 and <= 0xF8FF) or (>= 0xF0000 and <= 0xFFFFD) or (>= 0x100000 and <= 0x10FFFD));

    /// <summary>bert.rs is_whitespace: tab, newline, carriage return, or Rust's char::is_whitespace.</summary>
    public static bool IsWhitespace(int c) => CharClasses.IsWhiteSpace(c);

    public static bool IsMarkNonspacing(int c) => Has(MarkBits, c);

    /// <summary>is_bert_punc: ASCII punctuation or one of the crate's P* categories (BertPreTokenizer and Punctuation).</summary>
    public static bool IsPunctuation(int c) =>
        (c < 0x80 && c is (>= 0x21 and <= 0x2F) or (>= 0x3A and <= 0x40) or (>= 0x5B and <= 0x60) or (>= 0x7B and <= 0x7E))
        || Has(PunctuationBits, c);

    /// <summary>bert.rs is_chinese_char: the CJK ideograph blocks it pads with spaces (0x2B920, not 0x2B820, as written there).</summary>
    public static bool IsChineseChar(int c) => c is (>= 0x4E00 and <= 0x9FFF) or (>= 0x3400 and <= 0x4DBF) or (>= 0x20000 and <= 0x2A6DF)
        or (>= 0x2A700 and <= 0x2B73F) or (>= 0x2B740 and <= 0x2B81F) or (>= 0x2B920 and <= 0x2CEAF) or (>= 0xF900 and <= 0xFAFF)
        or (>= 0x2F800 and <= 0x2FA1F);
}
