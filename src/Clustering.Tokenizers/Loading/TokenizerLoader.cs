using System.Text.Json;
using Clustering.Tokenizers.Decoding;
using Clustering.Tokenizers.Models;
using Clustering.Tokenizers.Normalization;
using Clustering.Tokenizers.PostProcessing;
using Clustering.Tokenizers.PreTokenization;
using Clustering.Tokenizers.Unicode;

namespace Clustering.Tokenizers.Loading;

/// <summary>
/// Builds a <see cref="Tokenizer"/> from tokenizer.json. Every component type it cannot run exactly is refused here
/// (message: the type and its JSON path), never skipped at encode time.
/// </summary>
internal static class TokenizerLoader
{
    public const long MaxFileBytes = 1L << 30;

    public static Tokenizer Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path))
        {
            var json = Path.Combine(path, "tokenizer.json");
            if (File.Exists(json)) return LoadJsonFile(json);
            if (File.Exists(Path.Combine(path, "vocab.json")) && File.Exists(Path.Combine(path, "merges.txt")))
                return Qwen2TokenizerFiles.Load(path);
            if (File.Exists(Path.Combine(path, "vocab.txt"))) return BertVocabFiles.Load(path);
            throw new InputFormatException(path, null, "no tokenizer.json, no vocab.json + merges.txt and no vocab.txt (BERT) in this directory");
        }
        if (File.Exists(path)) return LoadJsonFile(path);
        throw new InputFormatException(path, null, "no such file or directory");
    }

    private static Tokenizer LoadJsonFile(string file)
    {
        var info = new FileInfo(file);
        if (info.Length > MaxFileBytes) throw new InputFormatException(file, null, $"{info.Length} bytes is larger than the {MaxFileBytes} a tokenizer may have");
        JsonDocument doc;
        var bytes = File.ReadAllBytes(file);
        try
        {
            doc = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 256 });
        }
        catch (JsonException e)
        {
            throw JsonErrorText.FileRefusal(file, bytes, e);
        }
        using (doc) return Build(new JsonNode(doc.RootElement, file, "$"));
    }

    internal static Tokenizer Build(JsonNode root)
    {
        if (root.Element.ValueKind != JsonValueKind.Object) throw root.Error("expected a JSON object at the top level");
        var normalizer = root.Optional("normalizer") is { } n ? ParseNormalizer(n) : null;

        bool byteLevel = false;
        PreTokenizer? preTokenizer = null;
        if (root.Optional("pre_tokenizer") is { } p)
        {
            var steps = new List<PreTokenizer>();
            FlattenPreTokenizer(p, steps, ref byteLevel, isLast: true);
            preTokenizer = steps.Count switch { 0 => null, 1 => steps[0], _ => new SequencePreTokenizer(steps) };
        }

        var model = ParseModel(root.Required("model"));
        if (model is BpeModel bpe) bpe.Prepare(byteLevel, r => root.Required("model").Error(r));

        var declared = new List<AddedToken>();
        if (root.Optional("added_tokens") is { } list)
            foreach (var t in list.Items())
                declared.Add(new AddedToken(t.Required("id").Int(), t.Required("content").String(), t.OptionalBool("single_word", false),
                    t.OptionalBool("lstrip", false), t.OptionalBool("rstrip", false), t.OptionalBool("normalized", true), t.OptionalBool("special", false)));
        var added = AssignAddedTokenIds(declared, model);

        var post = root.Optional("post_processor") is { } pp ? ParsePostProcessor(pp, (tok, node) => ResolveId(tok, node, model, added)) : null;
        var decoder = root.Optional("decoder") is { } d ? ParseDecoder(d) : null;

        if (root.Optional("padding") is { } padding && padding.Optional("strategy") is { } strategy && strategy.Element.ValueKind == JsonValueKind.Object)
            throw strategy.Error("fixed-length padding is not supported (set padding to null; batches here are unpadded)");
        int truncationMax = 0;
        if (root.Optional("truncation") is { } trunc)
        {
            if (trunc.OptionalString("direction") is { } dir && dir != "Right") throw trunc.Error($"truncation direction \"{dir}\" is not supported (only Right)");
            truncationMax = trunc.Required("max_length").Int();
        }

        return new Tokenizer(root.File, normalizer, preTokenizer, model, new AddedVocabulary(added, normalizer), post, decoder)
        {
            DefaultMaxLength = truncationMax,
        };
    }

    /// <summary>
    /// Hugging Face does not trust the ids written in added_tokens: it adds the tokens again (AddedVocabulary::add_tokens),
    /// so a token already in the model's vocabulary takes the model's id and a new one takes the next free id after the
    /// vocabulary. Replayed here so ids agree even for files whose written ids disagree. Returned specials first, then the
    /// others, each in file order (the order Hugging Face matches them in).
    /// </summary>
    internal static List<AddedToken> AssignAddedTokenIds(List<AddedToken> declared, TokenizerModel model)
    {
        var specialContents = new HashSet<string>(StringComparer.Ordinal);
        var specials = new List<AddedToken>();
        foreach (var t in declared)
            if (t.Special && t.Content.Length > 0 && specialContents.Add(t.Content)) specials.Add(t);
        var idByContent = new Dictionary<string, int>(StringComparer.Ordinal);
        var tokenById = new Dictionary<int, AddedToken>();
        var classic = new List<AddedToken>();
        int vocabSize = model.Vocab.Count;
        foreach (var t in declared)
        {
            if (t.Content.Length == 0 || tokenById.Values.Any(v => v with { Id = 0 } == t with { Id = 0 })) continue;
            int id;
            if (idByContent.TryGetValue(t.Content, out int existing)) id = existing;
            else if (model.Vocab.TryGetValue(t.Content, out int inModel)) id = inModel;
            else if (idByContent.Count == 0) id = vocabSize;
            else
            {
                int max = idByContent.Values.Max();
                id = max >= vocabSize || vocabSize == 0 ? max + 1 : vocabSize;
            }
            idByContent[t.Content] = id;
            tokenById[id] = t with { Id = id };
            if (!specialContents.Contains(t.Content)) classic.Add(t);
        }
        var result = new List<AddedToken>();
        foreach (var t in specials.Concat(classic)) result.Add(t with { Id = idByContent[t.Content] });
        // The id → token map decides decoding; keep its entries (a later token with the same id replaced an earlier one).
        foreach (var (id, t) in tokenById)
            if (!result.Any(r => r.Id == id && r.Content == t.Content)) result.Add(t);
        return result;
    }

    private static int ResolveId(string token, JsonNode node, TokenizerModel model, List<AddedToken> added)
    {
        foreach (var a in added) if (a.Content == token) return a.Id;
        if (model.Vocab.TryGetValue(token, out int id)) return id;
        throw node.Error($"token \"{token}\" is neither an added token nor in the vocabulary");
    }

    private static Normalizer ParseNormalizer(JsonNode n)
    {
        string type = n.Type();
        return type switch
        {
            "NFC" => new UnicodeFormNormalizer(UnicodeForm.C),
            "NFD" => new UnicodeFormNormalizer(UnicodeForm.D),
            "NFKC" => new UnicodeFormNormalizer(UnicodeForm.KC),
            "NFKD" => new UnicodeFormNormalizer(UnicodeForm.KD),
            "Lowercase" => new LowercaseNormalizer(),
            "StripAccents" => new StripAccentsNormalizer(),
            "Strip" => new StripNormalizer(n.OptionalBool("strip_left", true), n.OptionalBool("strip_right", true)),
            "Replace" => new ReplaceNormalizer(ParsePattern(n.Required("pattern")), n.Required("content").String()),
            "Prepend" => new PrependNormalizer(n.Required("prepend").String()),
            "BertNormalizer" => ParseBertNormalizer(n),
            "Precompiled" => ParsePrecompiled(n),
            "Sequence" => new SequenceNormalizer(n.Required("normalizers").Items().Select(ParseNormalizer).ToList()),
            _ => throw n.Required("type").Error($"unsupported normalizer type \"{type}\" (supported: NFC, NFD, NFKC, NFKD, Lowercase, StripAccents, Strip, Replace, Prepend, BertNormalizer, Precompiled, Sequence)"),
        };
    }

    /// <summary>Precompiled: the base64 of a SentencePiece charsmap, as Hugging Face's spm_precompiled serializes it.</summary>
    private static PrecompiledNormalizer ParsePrecompiled(JsonNode n)
    {
        var field = n.Required("precompiled_charsmap");
        byte[] blob;
        try { blob = Convert.FromBase64String(field.String()); }
        catch (FormatException) { throw field.Error("not valid base64"); }
        try { return new PrecompiledNormalizer(PrecompiledCharsmap.Parse(blob)); }
        catch (FormatException e) { throw field.Error($"not a SentencePiece charsmap: {e.Message}"); }
    }

    private static BertNormalizer ParseBertNormalizer(JsonNode n)
    {
        bool lowercase = n.OptionalBool("lowercase", true);
        return new BertNormalizer(n.OptionalBool("clean_text", true), n.OptionalBool("handle_chinese_chars", true),
            n.OptionalBool("strip_accents", lowercase), lowercase);
    }

    internal static SplitPattern ParsePattern(JsonNode pattern)
    {
        if (pattern.Optional("String") is { } s) return new StringPattern(s.String());
        if (pattern.Optional("Regex") is { } r)
        {
            string source = r.String();
            if (source == QwenPattern.Source) return new QwenPattern();
            if (source == QwenPattern.Llama3Source) return new QwenPattern(maxDigits: 3);
            if (source == Gpt2Pattern.Source) return new Gpt2Pattern();
            try { return new RegexPattern(source); }
            catch (ArgumentException e) { throw r.Error($"regex cannot be compiled: {e.Message}"); }
        }
        throw pattern.Error("expected {\"String\": ...} or {\"Regex\": ...}");
    }

    private static SplitBehavior ParseBehavior(JsonNode? b, SplitBehavior fallback)
    {
        if (b is not { } node) return fallback;
        string v = node.String();
        return v switch
        {
            "Removed" => SplitBehavior.Removed,
            "Isolated" => SplitBehavior.Isolated,
            "MergedWithPrevious" => SplitBehavior.MergedWithPrevious,
            "MergedWithNext" => SplitBehavior.MergedWithNext,
            "Contiguous" => SplitBehavior.Contiguous,
            _ => throw node.Error($"unsupported split behavior \"{v}\""),
        };
    }

    /// <summary>Flattens nested Sequences; checks that ByteLevel (whose byte mapping the model does) comes last.</summary>
    private static void FlattenPreTokenizer(JsonNode n, List<PreTokenizer> steps, ref bool byteLevel, bool isLast)
    {
        string type = n.Type();
        if (byteLevel) throw n.Error($"pre-tokenizer \"{type}\" after ByteLevel is not supported (ByteLevel must be the last pre-tokenizer)");
        switch (type)
        {
            case "Sequence":
            {
                var items = n.Required("pretokenizers").Items().ToList();
                for (int i = 0; i < items.Count; i++) FlattenPreTokenizer(items[i], steps, ref byteLevel, isLast && i == items.Count - 1);
                return;
            }
            case "Split":
                steps.Add(new SplitPreTokenizer(ParsePattern(n.Required("pattern")), ParseBehavior(n.Required("behavior"), SplitBehavior.Isolated), n.OptionalBool("invert", false)));
                return;
            case "ByteLevel":
            {
                bool prefix = n.OptionalBool("add_prefix_space", true), regex = n.OptionalBool("use_regex", true);
                byteLevel = true;
                if (prefix || regex) steps.Add(new ByteLevelPreTokenizer(prefix, regex)); // otherwise only the byte mapping, which the model does
                return;
            }
            case "Whitespace":
                steps.Add(new SplitPreTokenizer(new WordOrPunctuationPattern(), SplitBehavior.Removed, invert: true));
                return;
            case "WhitespaceSplit":
                steps.Add(new SplitPreTokenizer(new CharPredicatePattern(CharClasses.IsWhiteSpace), SplitBehavior.Removed, false));
                return;
            case "BertPreTokenizer":
                steps.Add(new SplitPreTokenizer(new CharPredicatePattern(CharClasses.IsWhiteSpace), SplitBehavior.Removed, false));
                steps.Add(new SplitPreTokenizer(new CharPredicatePattern(BertCharTables.IsPunctuation), SplitBehavior.Isolated, false));
                return;
            case "Punctuation":
                steps.Add(new SplitPreTokenizer(new CharPredicatePattern(BertCharTables.IsPunctuation), ParseBehavior(n.Optional("behavior"), SplitBehavior.Isolated), false));
                return;
            case "Digits":
                steps.Add(new SplitPreTokenizer(new CharPredicatePattern(CharClasses.IsNumber),
                    n.OptionalBool("individual_digits", false) ? SplitBehavior.Isolated : SplitBehavior.Contiguous, false));
                return;
            case "Metaspace":
            {
                var (replacement, scheme) = ParseMetaspace(n);
                steps.Add(new MetaspacePreTokenizer(replacement, scheme, n.OptionalBool("split", true)));
                return;
            }
            default:
                throw n.Required("type").Error($"unsupported pre-tokenizer type \"{type}\" (supported: Split, ByteLevel, Whitespace, WhitespaceSplit, BertPreTokenizer, Punctuation, Digits, Metaspace, Sequence)");
        }
    }

    private static (char Replacement, string Scheme) ParseMetaspace(JsonNode n)
    {
        var r = n.Required("replacement");
        string rs = r.String();
        if (rs.Length != 1) throw r.Error($"replacement must be one character, found \"{rs}\"");
        string scheme;
        if (n.Optional("prepend_scheme") is { } ps)
        {
            scheme = ps.String();
            if (scheme is not ("always" or "first" or "never")) throw ps.Error($"unsupported prepend_scheme \"{scheme}\" (always, first, never)");
        }
        else scheme = n.OptionalBool("add_prefix_space", true) ? "always" : "never";
        return (rs[0], scheme);
    }

    private static TokenizerModel ParseModel(JsonNode m)
    {
        string type = m.Optional("type")?.String() ?? "BPE";
        return type switch
        {
            "BPE" => ParseBpe(m),
            "WordPiece" => ParseWordPiece(m),
            "Unigram" => ParseUnigram(m),
            _ => throw (m.Optional("type") ?? m).Error($"unsupported model type \"{type}\" (supported: BPE, WordPiece, Unigram)"),
        };
    }

    private static WordPieceModel ParseWordPiece(JsonNode m)
    {
        var vocabNode = m.Required("vocab");
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (name, value) in vocabNode.Properties()) vocab[name] = value.Int();
        int maxChars = m.Optional("max_input_chars_per_word")?.Int() ?? 100;
        return new WordPieceModel(vocab, m.OptionalString("unk_token") ?? "[UNK]", m.OptionalString("continuing_subword_prefix") ?? "##", maxChars,
            r => vocabNode.Error(r));
    }

    private static UnigramModel ParseUnigram(JsonNode m)
    {
        var vocabNode = m.Required("vocab");
        var pieces = new List<(string, double)>();
        foreach (var item in vocabNode.Items())
        {
            var pair = item.Items().ToList();
            if (pair.Count != 2 || pair[1].Element.ValueKind != JsonValueKind.Number) throw item.Error("expected [piece, score]");
            pieces.Add((pair[0].String(), SerdeJsonFloat.Parse(pair[1].Element.GetRawText())));
        }
        return new UnigramModel(pieces, m.Optional("unk_id")?.Int(), m.OptionalBool("byte_fallback", false), r => vocabNode.Error(r));
    }

    private static BpeModel ParseBpe(JsonNode m)
    {
        if (m.Optional("dropout") is { } dropout && dropout.Element.GetDouble() != 0)
            throw dropout.Error("BPE dropout is random and not supported (set it to null)");
        var vocabNode = m.Required("vocab");
        var vocab = new Dictionary<string, int>(vocabNode.Element.ValueKind == JsonValueKind.Object ? vocabNode.Element.GetPropertyCount() : 0, StringComparer.Ordinal);
        foreach (var (name, value) in vocabNode.Properties()) vocab[name] = value.Int();
        var merges = new List<(string, string)>();
        foreach (var item in m.Required("merges").Items())
        {
            if (item.Element.ValueKind == JsonValueKind.String)
            {
                string line = item.String();
                int space = line.IndexOf(' ');
                if (space <= 0 || space == line.Length - 1 || line.IndexOf(' ', space + 1) >= 0) throw item.Error($"merge \"{line}\" is not two tokens separated by one space");
                merges.Add((line[..space], line[(space + 1)..]));
            }
            else
            {
                var pair = item.Items().ToList();
                if (pair.Count != 2) throw item.Error($"a merge must have 2 elements, found {pair.Count}");
                merges.Add((pair[0].String(), pair[1].String()));
            }
        }
        return new BpeModel(vocab, merges, m.OptionalString("continuing_subword_prefix"), r => m.Required("merges").Error(r))
        {
            UnkToken = m.OptionalString("unk_token"),
            FuseUnk = m.OptionalBool("fuse_unk", false),
            ByteFallback = m.OptionalBool("byte_fallback", false),
            IgnoreMerges = m.OptionalBool("ignore_merges", false),
            EndOfWordSuffix = m.OptionalString("end_of_word_suffix"),
        };
    }

    private static PostProcessor ParsePostProcessor(JsonNode n, Func<string, JsonNode, int> resolve)
    {
        string type = n.Type();
        switch (type)
        {
            case "ByteLevel":
                return new IdentityPostProcessor();
            case "Sequence":
            {
                // ByteLevel post-processing changes offsets only: dropped, so Qwen's Sequence[ByteLevel, Template] is just the template.
                var steps = n.Required("processors").Items().Select(p => ParsePostProcessor(p, resolve)).Where(p => p is not IdentityPostProcessor).ToList();
                return steps.Count switch { 0 => new IdentityPostProcessor(), 1 => steps[0], _ => new SequencePostProcessor(steps) };
            }
            case "BertProcessing":
            case "RobertaProcessing":
                return new WrapPostProcessor(ParseTokenPair(n.Required("cls")), ParseTokenPair(n.Required("sep")));
            case "TemplateProcessing":
            {
                var specials = new Dictionary<string, int[]>();
                if (n.Optional("special_tokens") is { } st)
                    foreach (var (name, value) in st.Properties())
                        specials[name] = value.Required("ids").Items().Select(i => i.Int()).ToArray();
                var items = new List<TemplateItem>();
                foreach (var item in n.Required("single").Items())
                {
                    if (item.Optional("Sequence") is { } seq)
                    {
                        string id = seq.Required("id").String();
                        if (id != "A") throw seq.Error($"the single template may only use sequence A, found \"{id}\"");
                        items.Add(new TemplateItem(true, []));
                    }
                    else if (item.Optional("SpecialToken") is { } sp)
                    {
                        var idNode = sp.Required("id");
                        string name = idNode.String();
                        if (!specials.TryGetValue(name, out var ids)) throw idNode.Error($"special token \"{name}\" is not declared in special_tokens");
                        items.Add(new TemplateItem(false, ids));
                    }
                    else throw item.Error("expected {\"Sequence\": ...} or {\"SpecialToken\": ...}");
                }
                return new TemplatePostProcessor(items);
            }
            default:
                throw n.Required("type").Error($"unsupported post-processor type \"{type}\" (supported: TemplateProcessing, ByteLevel, BertProcessing, RobertaProcessing, Sequence)");
        }

        static int ParseTokenPair(JsonNode pair)
        {
            var items = pair.Items().ToList();
            if (items.Count != 2) throw pair.Error("expected [token, id]");
            return items[1].Int();
        }
    }

    private static Decoder ParseDecoder(JsonNode n)
    {
        string type = n.Type();
        switch (type)
        {
            case "ByteLevel": return new ByteLevelDecoder();
            case "Metaspace":
            {
                var (replacement, scheme) = ParseMetaspace(n);
                return new MetaspaceDecoder(replacement, scheme != "never");
            }
            case "WordPiece": return new WordPieceDecoder(n.OptionalString("prefix") ?? "##", n.OptionalBool("cleanup", true));
            case "BPEDecoder": return new BpeDecoder(n.OptionalString("suffix") ?? "</w>");
            case "Replace": return new ReplaceDecoder(ParsePattern(n.Required("pattern")), n.Required("content").String());
            case "Strip":
            {
                var c = n.Required("content");
                string content = c.String();
                if (content.Length != 1) throw c.Error("expected one character");
                return new StripDecoder(content[0], n.Required("start").Int(), n.Required("stop").Int());
            }
            case "Fuse": return new FuseDecoder();
            case "ByteFallback": return new ByteFallbackDecoder();
            case "Sequence": return new SequenceDecoder(n.Required("decoders").Items().Select(ParseDecoder).ToList());
            default:
                throw n.Required("type").Error($"unsupported decoder type \"{type}\" (supported: ByteLevel, Metaspace, WordPiece, BPEDecoder, Replace, Strip, Fuse, ByteFallback, Sequence)");
        }
    }
}
