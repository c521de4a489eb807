namespace Clustering.Tokenizers.Models;

/// <summary>
/// GPT-2's bytes_to_unicode: each byte gets a printable character (printable Latin-1 bytes map to themselves, the
/// rest to U+0100 upward), so byte-level vocabularies can be written as text.
/// </summary>
internal static class ByteLevelAlphabet
{
    /// <summary>byte → its character.</summary>
    public static readonly char[] ByteToChar = Build();
    /// <summary>character → its byte, or -1; indexed by char (only 0..0x143 are used).</summary>
    public static readonly short[] CharToByte = BuildInverse();

    private static char[] Build()
    {
        var map = new char[256];
        int n = 0;
        for (int b = 0; b < 256; b++)
        {
            bool printable = b is (>= 0x21 and <= 0x7E) or (>= 0xA1 and <= 0xAC) or (>= 0xAE and <= 0xFF);
            map[b] = printable ? (char)b : (char)(256 + n++);
        }
        return map;
    }

    private static short[] BuildInverse()
    {
        var inv = new short[0x200];
        Array.Fill(inv, (short)-1);
        for (int b = 0; b < 256; b++) inv[ByteToChar[b]] = (short)b;
        return inv;
    }

    /// <summary>The bytes a byte-level token stands for; false when a character is outside the alphabet.</summary>
    public static bool TryGetBytes(string token, List<byte> into)
    {
        int mark = into.Count;
        foreach (char c in token)
        {
            if (c >= CharToByte.Length || CharToByte[c] < 0) { into.RemoveRange(mark, into.Count - mark); return false; }
            into.Add((byte)CharToByte[c]);
        }
        return true;
    }
}
