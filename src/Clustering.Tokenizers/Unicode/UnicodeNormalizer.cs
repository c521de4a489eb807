using System.Text;

namespace Clustering.Tokenizers.Unicode;

internal enum UnicodeForm { C, D, KC, KD }

/// <summary>
/// Unicode normalization (UAX #15) over the embedded tables: decompose, order by combining class, recompose.
/// A string whose code points are all stable under the form is returned as the same instance (no allocation),
/// which is the common case for ASCII and CJK text.
/// </summary>
internal static class UnicodeNormalizer
{
    private const int SBase = 0xAC00, LBase = 0x1100, VBase = 0x1161, TBase = 0x11A7, LCount = 19, VCount = 21, TCount = 28;
    private const int NCount = VCount * TCount, SCount = LCount * NCount;

    public static string Normalize(string text, UnicodeForm form)
    {
        int lead = 0;
        return Normalize(text, form, ref lead);
    }

    /// <summary>As <see cref="Normalize(string, UnicodeForm)"/>; <paramref name="lead"/> (leading UTF-16 units tied to original offset 0) is carried through.</summary>
    public static string Normalize(string text, UnicodeForm form, ref int lead)
    {
        if (IsQuickCheckYes(text, form, UnicodeTables.Instance)) return text;
        return NormalizeConservative(text, form, ref lead);
    }

    /// <summary>
    /// The reference path: a scan with the conservative "may change" tables, then decompose, reorder, recompose. Also
    /// the oracle of the NFC quick check's parity test.
    /// </summary>
    internal static string NormalizeConservative(string text, UnicodeForm form, ref int lead)
    {
        var tables = UnicodeTables.Instance;
        var unstable = form switch
        {
            UnicodeForm.C => tables.UnstableNfc,
            UnicodeForm.D => tables.UnstableNfd,
            UnicodeForm.KC => tables.UnstableNfkc,
            _ => tables.UnstableNfkd,
        };
        int firstUnstable = -1;
        for (int i = 0; i < text.Length; i++)
        {
            int c = text[i];
            if (c < 0xA0) continue;
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                c = char.ConvertToUtf32(text[i], text[i + 1]);
                if (UnicodeTables.IsSet(unstable, c)) { firstUnstable = i; break; }
                i++;
                continue;
            }
            if (UnicodeTables.IsSet(unstable, c)) { firstUnstable = i; break; }
        }
        if (firstUnstable < 0) return text;

        bool compatibility = form is UnicodeForm.KC or UnicodeForm.KD;
        var decomposition = compatibility ? tables.CompatibilityDecomposition : tables.CanonicalDecomposition;
        var cps = new List<int>(text.Length + 8);
        var isLead = new List<bool>(text.Length + 8); // (code points) made from a lead input character
        int index = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            int c = rune.Value;
            bool leadChar = index < lead;
            index += rune.Utf16SequenceLength;
            int before = cps.Count;
            if (c >= SBase && c < SBase + SCount)
            {
                int s = c - SBase;
                cps.Add(LBase + s / NCount);
                cps.Add(VBase + s % NCount / TCount);
                if (s % TCount != 0) cps.Add(TBase + s % TCount);
            }
            else if (decomposition.TryGetValue(c, out var mapped)) cps.AddRange(mapped);
            else cps.Add(c);
            for (int k = before; k < cps.Count; k++) isLead.Add(leadChar);
        }
        // Canonical ordering: a stable sort of each run of non-starters by combining class.
        for (int i = 1; i < cps.Count; i++)
        {
            int cc = Ccc(tables, cps[i]);
            if (cc == 0) continue;
            int j = i;
            while (j > 0 && Ccc(tables, cps[j - 1]) > cc) { (cps[j - 1], cps[j]) = (cps[j], cps[j - 1]); (isLead[j - 1], isLead[j]) = (isLead[j], isLead[j - 1]); j--; }
        }
        if (form is UnicodeForm.C or UnicodeForm.KC) Compose(tables, cps, isLead);
        var sb = new StringBuilder(cps.Count + 4);
        int newLead = 0;
        bool inLead = true;
        for (int k = 0; k < cps.Count; k++)
        {
            var r = new Rune(cps[k]);
            inLead &= isLead[k];
            if (inLead) newLead += r.Utf16SequenceLength;
            sb.Append(r.ToString());
        }
        lead = newLead;
        return sb.ToString();
    }

    /// <summary>
    /// UAX #15's quick check, answering only "certainly normalized already": no code point is in the form's "not yes"
    /// set and the combining classes of each run of non-starters do not decrease. The conservative <c>Unstable*</c>
    /// scan sends any combining mark (Thai, Devanagari, Arabic vowel signs...) down the allocating path; this does not.
    /// </summary>
    internal static bool IsQuickCheckYes(string text, UnicodeForm form, UnicodeTables tables) => IsQuickCheckYes(text, form switch
    {
        UnicodeForm.C => tables.NfcQuickCheckNotYes,
        UnicodeForm.D => tables.NfdQuickCheckNotYes,
        UnicodeForm.KC => tables.NfkcQuickCheckNotYes,
        _ => tables.NfkdQuickCheckNotYes,
    }, tables);

    internal static bool IsNfcQuickCheckYes(string text, UnicodeTables tables) => IsQuickCheckYes(text, tables.NfcQuickCheckNotYes, tables);

    private static bool IsQuickCheckYes(string text, ulong[] notYes, UnicodeTables tables)
    {
        int lastClass = 0;
        for (int i = 0; i < text.Length; i++)
        {
            int c = text[i];
            if (c < 0xA0) { lastClass = 0; continue; } // ASCII and C1: starters with NFC_QC=Yes
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) c = char.ConvertToUtf32(text[i], text[++i]);
            if (UnicodeTables.IsSet(notYes, c)) return false;
            int cc = UnicodeTables.IsSet(tables.NonStarter, c) ? tables.CombiningClass[c] : 0;
            if (cc != 0 && lastClass > cc) return false;
            lastClass = cc;
        }
        return true;
    }

    private static int Ccc(UnicodeTables tables, int c) => tables.CombiningClass.TryGetValue(c, out var k) ? k : 0;

    private static void Compose(UnicodeTables tables, List<int> cps, List<bool> isLead)
    {
        if (cps.Count == 0) return;
        int starterIndex = Ccc(tables, cps[0]) == 0 ? 0 : -1;
        int write = 1;
        int lastClass = starterIndex == 0 ? 0 : 256;
        for (int read = 1; read < cps.Count; read++)
        {
            int c = cps[read];
            int cc = Ccc(tables, c);
            if (starterIndex >= 0)
            {
                int starter = cps[starterIndex];
                bool blocked = write - 1 != starterIndex && (lastClass == 0 || lastClass >= cc);
                if (!blocked)
                {
                    int composed = ComposePair(tables, starter, c);
                    if (composed >= 0) { cps[starterIndex] = composed; continue; } // keeps the starter's alignment
                }
            }
            if (cc == 0) { starterIndex = write; lastClass = 0; }
            else lastClass = cc;
            isLead[write] = isLead[read];
            cps[write++] = c;
        }
        cps.RemoveRange(write, cps.Count - write);
        isLead.RemoveRange(write, isLead.Count - write);
    }

    private static int ComposePair(UnicodeTables tables, int a, int b)
    {
        if (a >= LBase && a < LBase + LCount && b >= VBase && b < VBase + VCount)
            return SBase + ((a - LBase) * VCount + (b - VBase)) * TCount;
        if (a >= SBase && a < SBase + SCount && (a - SBase) % TCount == 0 && b > TBase && b < TBase + TCount)
            return a + (b - TBase);
        return tables.Composition.TryGetValue(((long)a << 21) | (uint)b, out var c) ? c : -1;
    }
}
