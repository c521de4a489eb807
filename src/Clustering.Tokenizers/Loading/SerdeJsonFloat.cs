using System.Globalization;

namespace Clustering.Tokenizers.Loading;

/// <summary>
/// Reads a JSON number as Hugging Face's tokenizers does, through serde_json without its float_roundtrip feature:
/// the digits as a u64 significand (digits past u64 dropped, scaling the exponent), converted to f64, then one
/// multiplication or division by an exact power of ten. That can be one unit in the last place off the correctly
/// rounded value (-13.270933049189697 reads as -13.270933049189695), and Unigram's Viterbi sums decide ties between
/// equal-in-reals paths ("0"+"00" vs "00"+"0") by those last bits, so scores must be read the same way to get the same ids.
/// </summary>
internal static class SerdeJsonFloat
{
    private static readonly double[] Pow10 = Enumerable.Range(0, 309).Select(k => double.Parse("1e" + k, CultureInfo.InvariantCulture)).ToArray();

    /// <summary>Parses the raw text of a JSON number (already validated as JSON).</summary>
    public static double Parse(ReadOnlySpan<char> text)
    {
        int i = 0;
        bool positive = true;
        if (text[i] == '-') { positive = false; i++; }
        ulong significand = 0;
        int exponent = 0;
        bool overflowed = false;
        for (; i < text.Length && char.IsAsciiDigit(text[i]); i++)
        {
            if (overflowed || significand > (ulong.MaxValue - 9) / 10) { overflowed = true; exponent++; continue; }
            significand = significand * 10 + (ulong)(text[i] - '0');
        }
        if (i < text.Length && text[i] == '.')
            for (i++; i < text.Length && char.IsAsciiDigit(text[i]); i++)
            {
                if (overflowed || significand > (ulong.MaxValue - 9) / 10) { overflowed = true; continue; }
                significand = significand * 10 + (ulong)(text[i] - '0');
                exponent--;
            }
        if (i < text.Length && text[i] is 'e' or 'E')
        {
            i++;
            bool negativeExponent = false;
            if (text[i] is '+' or '-') { negativeExponent = text[i] == '-'; i++; }
            int e = 0;
            for (; i < text.Length && char.IsAsciiDigit(text[i]); i++) e = Math.Min(e * 10 + (text[i] - '0'), 100_000);
            exponent += negativeExponent ? -e : e;
        }
        double f = significand;
        while (true)
        {
            int magnitude = Math.Abs(exponent);
            if (magnitude < Pow10.Length)
            {
                if (exponent >= 0) f *= Pow10[magnitude]; else f /= Pow10[magnitude];
                break;
            }
            if (f == 0) break;
            if (exponent >= 0) return positive ? double.PositiveInfinity : double.NegativeInfinity;
            f /= 1e308;
            exponent += 308;
        }
        return positive ? f : -f;
    }
}
