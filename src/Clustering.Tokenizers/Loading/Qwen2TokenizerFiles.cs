using System.Text.Json;
using Clustering.Tokenizers.Decoding;
using Clustering.Tokenizers.Models;
using Clustering.Tokenizers.Normalization;
using Clustering.Tokenizers.PostProcessing;
using Clustering.Tokenizers.PreTokenization;
using Clustering.Tokenizers.Unicode;

namespace Clustering.Tokenizers.Loading;

/// <summary>
/// A directory with vocab.json + merges.txt (+ tokenizer_config.json) and no tokenizer.json, read with the semantics of
/// transformers' Qwen2Tokenizer: NFC, the Qwen split regex (isolated), byte-level BPE, ByteLevel decoder, and the added
/// tokens of tokenizer_config.json's added_tokens_decoder (with their flags). Qwen2Tokenizer appends nothing: there is no
/// post-processor, so unlike Qwen3-Embedding's tokenizer.json no &lt;|endoftext|&gt; is added.
/// </summary>
internal static class Qwen2TokenizerFiles
{
    public static Tokenizer Load(string dir)
    {
        string vocabFile = Path.Combine(dir, "vocab.json");
        string mergesFile = Path.Combine(dir, "merges.txt");
        string configFile = Path.Combine(dir, "tokenizer_config.json");

        var vocabRoot = JsonNode.ParseFile(vocabFile);
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (name, value) in vocabRoot.Properties()) vocab[name] = value.Int();

        var merges = new List<(string, string)>();
        int lineNumber = 0;
        foreach (var raw in File.ReadLines(mergesFile))
        {
            lineNumber++;
            string line = raw.Trim();
            if ((lineNumber == 1 && line.StartsWith("#version:", StringComparison.Ordinal)) || line.Length == 0) continue;
            var parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 2) throw new InputFormatException(mergesFile, $"line {lineNumber}", $"expected two tokens separated by a space, found \"{line}\"");
            merges.Add((parts[0], parts[1]));
        }

        var added = new List<AddedToken>();
        if (File.Exists(configFile))
        {
            var config = JsonNode.ParseFile(configFile);
            if (config.OptionalString("tokenizer_class") is { } cls && cls is not ("Qwen2Tokenizer" or "Qwen2TokenizerFast"))
                throw config.Required("tokenizer_class").Error($"tokenizer_class \"{cls}\" is not supported without a tokenizer.json (only Qwen2Tokenizer)");
            if (config.Optional("added_tokens_decoder") is { } decoderMap)
                foreach (var (idText, t) in decoderMap.Properties())
                {
                    if (!int.TryParse(idText, out int id)) throw t.Error($"added token id \"{idText}\" is not an integer");
                    added.Add(new AddedToken(id, t.Required("content").String(), t.OptionalBool("single_word", false), t.OptionalBool("lstrip", false),
                        t.OptionalBool("rstrip", false), t.OptionalBool("normalized", false), t.OptionalBool("special", false)));
                }
        }

        var model = new BpeModel(vocab, merges, null, r => new InputFormatException(mergesFile, null, r));
        model.Prepare(byteLevelInput: true, r => new InputFormatException(vocabFile, null, r));
        var normalizer = new UnicodeFormNormalizer(UnicodeForm.C);
        var preTokenizer = new SplitPreTokenizer(new QwenPattern(), SplitBehavior.Isolated, false);
        return new Tokenizer(dir, normalizer, preTokenizer, model, new AddedVocabulary(AddedVocabulary.SpecialsFirst(added), normalizer), new IdentityPostProcessor(), new ByteLevelDecoder());
    }
}
