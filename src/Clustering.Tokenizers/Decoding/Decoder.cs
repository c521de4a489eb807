using System.Text;
using Clustering.Tokenizers.Models;
using Clustering.Tokenizers.PreTokenization;

namespace Clustering.Tokenizers.Decoding;

/// <summary>A Hugging Face decoder: decode_chain over the token strings; the results are concatenated.</summary>
internal abstract class Decoder
{
    public abstract List<string> DecodeChain(List<string> tokens);
}

/// <summary>ByteLevel: token characters back to bytes, then UTF-8 (invalid sequences become U+FFFD, as from_utf8_lossy).</summary>
internal sealed class ByteLevelDecoder : Decoder
{
    public override List<string> DecodeChain(List<string> tokens)
    {
        var bytes = new List<byte>();
        foreach (var t in tokens)
            if (!ByteLevelAlphabet.TryGetBytes(t, bytes)) bytes.AddRange(Encoding.UTF8.GetBytes(t));
        return [Encoding.UTF8.GetString(bytes.ToArray())];
    }
}

/// <summary>Metaspace: the replacement character becomes a space; the first token loses its leading one unless prepend_scheme is never.</summary>
internal sealed class MetaspaceDecoder(char replacement, bool prependScheme) : Decoder
{
    public override List<string> DecodeChain(List<string> tokens)
    {
        var result = new List<string>(tokens.Count);
        for (int i = 0; i < tokens.Count; i++)
        {
            var sb = new StringBuilder(tokens[i].Length);
            foreach (char c in tokens[i])
            {
                if (c == replacement)
                {
                    if (i == 0 && prependScheme && sb.Length == 0) continue;
                    sb.Append(' ');
                }
                else sb.Append(c);
            }
            result.Add(sb.ToString());
        }
        return result;
    }
}

/// <summary>WordPiece: tokens with the prefix join the previous one, others get a space; optional cleanup of spaces before punctuation.</summary>
internal sealed class WordPieceDecoder(string prefix, bool cleanup) : Decoder
{
    public override List<string> DecodeChain(List<string> tokens)
    {
        var result = new List<string>(tokens.Count);
        for (int i = 0; i < tokens.Count; i++)
        {
            string t = tokens[i];
            if (i != 0) t = t.StartsWith(prefix, StringComparison.Ordinal) ? t[prefix.Length..] : " " + t;
            if (cleanup) t = Cleanup(t);
            result.Add(t);
        }
        return result;
    }

    internal static string Cleanup(string s) => s.Replace(" .", ".").Replace(" ?", "?").Replace(" !", "!").Replace(" ,", ",")
        .Replace(" ' ", "'").Replace(" n't", "n't").Replace(" 'm", "'m").Replace(" do not", " don't")
        .Replace(" 's", "'s").Replace(" 've", "'ve").Replace(" 're", "'re");
}

/// <summary>BPEDecoder: the end-of-word suffix becomes a space (nothing on the last token).</summary>
internal sealed class BpeDecoder(string suffix) : Decoder
{
    public override List<string> DecodeChain(List<string> tokens)
    {
        var result = new List<string>(tokens.Count);
        for (int i = 0; i < tokens.Count; i++)
            result.Add(tokens[i].Replace(suffix, i == tokens.Count - 1 ? "" : " "));
        return result;
    }
}

internal sealed class ReplaceDecoder(SplitPattern pattern, string content) : Decoder
{
    public override List<string> DecodeChain(List<string> tokens)
    {
        var matches = new List<(int, int)>();
        return tokens.Select(t => Normalization.ReplaceNormalizer.Apply(pattern, content, t, matches)).ToList();
    }
}

/// <summary>Strip: removes up to <c>start</c> leading and <c>stop</c> trailing occurrences of a character from each token.</summary>
internal sealed class StripDecoder(char content, int start, int stop) : Decoder
{
    public override List<string> DecodeChain(List<string> tokens)
    {
        var result = new List<string>(tokens.Count);
        foreach (var t in tokens)
        {
            int s = 0, e = t.Length;
            for (int k = 0; k < start && s < e && t[s] == content; k++) s++;
            for (int k = 0; k < stop && e > s && t[e - 1] == content; k++) e--;
            result.Add(t[s..e]);
        }
        return result;
    }
}

internal sealed class FuseDecoder : Decoder
{
    public override List<string> DecodeChain(List<string> tokens) => [string.Concat(tokens)];
}

/// <summary>ByteFallback: runs of &lt;0xHH&gt; tokens become their UTF-8 text, or one U+FFFD per byte when invalid.</summary>
internal sealed class ByteFallbackDecoder : Decoder
{
    public override List<string> DecodeChain(List<string> tokens)
    {
        var result = new List<string>(tokens.Count);
        var pending = new List<byte>();
        foreach (var t in tokens)
        {
            if (t.Length == 6 && t.StartsWith("<0x", StringComparison.Ordinal) && t[5] == '>'
                && byte.TryParse(t.AsSpan(3, 2), System.Globalization.NumberStyles.HexNumber, null, out byte b))
            {
                pending.Add(b);
                continue;
            }
            Flush();
            result.Add(t);
        }
        Flush();
        return result;

        void Flush()
        {
            if (pending.Count == 0) return;
            var bytes = pending.ToArray();
            try { result.Add(new UTF8Encoding(false, true).GetString(bytes)); }
            catch (DecoderFallbackException) { for (int i = 0; i < bytes.Length; i++) result.Add("\uFFFD"); }
            pending.Clear();
        }
    }
}

internal sealed class SequenceDecoder(IReadOnlyList<Decoder> steps) : Decoder
{
    public override List<string> DecodeChain(List<string> tokens)
    {
        foreach (var step in steps) tokens = step.DecodeChain(tokens);
        return tokens;
    }
}
