using System.Text.Json;
using Clustering.Tokenizers.Decoding;
using Clustering.Tokenizers.Models;
using Clustering.Tokenizers.Normalization;
using Clustering.Tokenizers.PostProcessing;
using Clustering.Tokenizers.PreTokenization;
using Clustering.Tokenizers.Unicode;

namespace Clustering.Tokenizers.Loading;

/// <summary>
/// A directory with vocab.txt (+ tokenizer_config.json) and no tokenizer.json: a BERT tokenizer built as transformers'
/// BertConverter builds BertTokenizerFast: BertNormalizer (lowercase = do_lower_case, strip_accents,
/// handle_chinese_chars = tokenize_chinese_chars), BertPreTokenizer, WordPiece over the lines of vocab.txt (the line
/// number is the id), "[CLS] $A [SEP]", the special tokens as added tokens, WordPiece decoder.
/// </summary>
internal static class BertVocabFiles
{
    public const long MaxFileBytes = 64L << 20;

    public static Tokenizer Load(string dir)
    {
        string vocabFile = Path.Combine(dir, "vocab.txt");
        string configFile = Path.Combine(dir, "tokenizer_config.json");
        var info = new FileInfo(vocabFile);
        if (info.Length > MaxFileBytes) throw new InputFormatException(vocabFile, null, $"{info.Length} bytes is larger than the {MaxFileBytes} a vocab.txt may have");

        // transformers' load_vocab: line i (without its line break) is the token with id i; a repeated token keeps its last id.
        var lines = File.ReadAllText(vocabFile).Split('\n');
        int count = lines.Length > 0 && lines[^1].Length == 0 ? lines.Length - 1 : lines.Length;
        if (count == 0) throw new InputFormatException(vocabFile, null, "the vocabulary is empty");
        var vocab = new Dictionary<string, int>(count, StringComparer.Ordinal);
        for (int id = 0; id < count; id++) vocab[lines[id].TrimEnd('\r')] = id;

        bool lowercase = true, chinese = true;
        bool? stripAccents = null;
        string unk = "[UNK]", cls = "[CLS]", sep = "[SEP]", pad = "[PAD]", mask = "[MASK]";
        if (File.Exists(configFile))
        {
            var config = JsonNode.ParseFile(configFile);
            if (config.OptionalString("tokenizer_class") is { } c && c is not ("BertTokenizer" or "BertTokenizerFast" or "DistilBertTokenizer" or "DistilBertTokenizerFast"))
                throw config.Required("tokenizer_class").Error($"tokenizer_class \"{c}\" is not supported without a tokenizer.json (only BertTokenizer with vocab.txt)");
            lowercase = config.OptionalBool("do_lower_case", true);
            chinese = config.OptionalBool("tokenize_chinese_chars", true);
            if (config.Optional("strip_accents") is { } sa) stripAccents = sa.Bool();
            unk = TokenText(config, "unk_token") ?? unk;
            cls = TokenText(config, "cls_token") ?? cls;
            sep = TokenText(config, "sep_token") ?? sep;
            pad = TokenText(config, "pad_token") ?? pad;
            mask = TokenText(config, "mask_token") ?? mask;
        }

        var model = new WordPieceModel(vocab, unk, "##", 100, r => new InputFormatException(vocabFile, null, r));
        int Require(string token) => vocab.TryGetValue(token, out int v) ? v
            : throw new InputFormatException(vocabFile, null, $"the special token \"{token}\" is not in the vocabulary");
        var added = new List<AddedToken>();
        foreach (var special in new[] { pad, unk, cls, sep, mask })
            if (vocab.TryGetValue(special, out int specialId))
                added.Add(new AddedToken(specialId, special, SingleWord: false, LStrip: false, RStrip: false, Normalized: false, Special: true));
        var normalizer = new BertNormalizer(cleanText: true, chinese, stripAccents ?? lowercase, lowercase);
        var preTokenizer = new SequencePreTokenizer([
            new SplitPreTokenizer(new CharPredicatePattern(CharClasses.IsWhiteSpace), SplitBehavior.Removed, false),
            new SplitPreTokenizer(new CharPredicatePattern(BertCharTables.IsPunctuation), SplitBehavior.Isolated, false)]);
        var post = new WrapPostProcessor(Require(cls), Require(sep));
        return new Tokenizer(dir, normalizer, preTokenizer, model, new AddedVocabulary(AddedVocabulary.SpecialsFirst(added), normalizer), post,
            new WordPieceDecoder("##", cleanup: true));
    }

    /// <summary>A special token in tokenizer_config.json: a string, or an AddedToken object with "content".</summary>
    private static string? TokenText(JsonNode config, string name) => config.Optional(name) switch
    {
        null => null,
        { Element.ValueKind: JsonValueKind.String } s => s.String(),
        { } o => o.Required("content").String(),
    };
}
