using System.Globalization;
using System.Runtime.CompilerServices;

namespace Clustering.Tokenizers.Unicode;

/// <summary>
/// Character classes as the Rust side of Hugging Face tokenizers defines them, over code points (not UTF-16 units):
/// Oniguruma's \p{L}, \p{N}, \s (= Unicode White_Space), \w (letters, marks, numbers, connector punctuation),
/// Rust's char::is_whitespace / is_numeric (BERT's punctuation: <see cref="BertCharTables"/>). The BMP is answered from a table.
/// </summary>
internal static class CharClasses
{
    private const byte Letter = 1, Number = 2, Space = 4, Word = 8;
    private static readonly byte[] Bmp = BuildBmp(); // (65536) flags per BMP code point, computed once (~1 ms)

    private static byte[] BuildBmp()
    {
        var t = new byte[0x10000];
        for (int c = 0; c < t.Length; c++) t[c] = Compute(c);
        return t;
    }

    private static byte Compute(int c)
    {
        byte f = 0;
        var cat = CharUnicodeInfo.GetUnicodeCategory(c);
        switch (cat)
        {
            case UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter:
                f |= Letter | Word; break;
            case UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber:
                f |= Number | Word; break;
            case UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark:
                f |= Word; break;
            case UnicodeCategory.ConnectorPunctuation:
                f |= Word; break;
        }
        if (IsWhiteSpaceProperty(c)) f |= Space;
        return f;
    }

    /// <summary>The Unicode White_Space property (Oniguruma's \s, Rust's char::is_whitespace); not .NET's char.IsWhiteSpace.</summary>
    private static bool IsWhiteSpaceProperty(int c) =>
        c is (>= 0x09 and <= 0x0D) or 0x20 or 0x85 or 0xA0 or 0x1680 or (>= 0x2000 and <= 0x200A)
            or 0x2028 or 0x2029 or 0x202F or 0x205F or 0x3000;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static byte Flags(int c) => c < 0x10000 ? Bmp[c] : Compute(c);

    public static bool IsLetter(int c) => (Flags(c) & Letter) != 0;
    public static bool IsNumber(int c) => (Flags(c) & Number) != 0;
    public static bool IsWhiteSpace(int c) => (Flags(c) & Space) != 0;
    public static bool IsLetterOrNumber(int c) => (Flags(c) & (Letter | Number)) != 0;
    /// <summary>Oniguruma/Rust-regex \w.</summary>
    public static bool IsWord(int c) => (Flags(c) & Word) != 0;
    /// <summary>
    /// The Rust regex crate's \w (Whitespace pre-tokenizer, single_word added tokens): Alphabetic, marks, decimal digits,
    /// connector punctuation, join controls (ZWNJ/ZWJ). Alphabetic is approximated as letters, letter numbers and the
    /// circled/squared Latin letters; other numbers (½, ①) are not word characters here, unlike Oniguruma's \w.
    /// </summary>
    public static bool IsRustWord(int c)
    {
        if (c < 0x80) return c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_';
        if (c is 0x200C or 0x200D or (>= 0x24B6 and <= 0x24E9) or (>= 0x1F130 and <= 0x1F149) or (>= 0x1F150 and <= 0x1F169) or (>= 0x1F170 and <= 0x1F189)) return true;
        var cat = CharUnicodeInfo.GetUnicodeCategory(c);
        return cat is not UnicodeCategory.OtherNumber && IsWord(c);
    }

    /// <summary>Reads the code point at <paramref name="i"/>: a surrogate pair is one code point of width 2; a lone surrogate is itself.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int CodePointAt(ReadOnlySpan<char> s, int i, out int width)
    {
        char ch = s[i];
        if (char.IsHighSurrogate(ch) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
        {
            width = 2;
            return char.ConvertToUtf32(ch, s[i + 1]);
        }
        width = 1;
        return ch;
    }
}
