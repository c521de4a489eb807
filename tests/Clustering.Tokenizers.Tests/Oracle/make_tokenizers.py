import json, collections, re, sys
texts = [json.loads(l)["text"] for l in open('/tmp/dev/texts.jsonl')][:1700]
corpus = "\n".join(texts)
def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~")+1))+list(range(ord("¡"), ord("¬")+1))+list(range(ord("®"), ord("ÿ")+1))
    cs = bs[:]; n = 0
    for b in range(256):
        if b not in bs: bs.append(b); cs.append(256+n); n += 1
    return dict(zip(bs, map(chr, cs)))
B2U = bytes_to_unicode()
def train(words, prefix, suffix, nmerges, alphabet):
    vocab = {}
    def add(t):
        if t not in vocab: vocab[t] = len(vocab)
    for a in alphabet: add(a)
    seqs = collections.Counter()
    for w in words:
        syms = []
        for i, ch in enumerate(w):
            s = ch if (i == 0 or not prefix) else prefix + ch
            if i == len(w) - 1 and suffix: s = s + suffix
            syms.append(s)
        for s in syms: add(s)
        seqs[tuple(syms)] += 1
    merges = []
    for _ in range(nmerges):
        pairs = collections.Counter()
        for s, c in seqs.items():
            for i in range(len(s)-1): pairs[(s[i], s[i+1])] += c
        if not pairs: break
        (a, b), _ = max(pairs.items(), key=lambda kv: (kv[1], kv[0]))
        new = a + (b[len(prefix):] if prefix and b.startswith(prefix) else b) if prefix else a + b
        merges.append([a, b]); add(new)
        ns = collections.Counter()
        for s, c in seqs.items():
            out = []; i = 0
            while i < len(s):
                if i+1 < len(s) and s[i] == a and s[i+1] == b: out.append(new); i += 2
                else: out.append(s[i]); i += 1
            ns[tuple(out)] += c
        seqs = ns
    return vocab, merges

def write(name, cfg):
    json.dump(cfg, open(f'/tmp/dev/tok/{name}.json', 'w'), ensure_ascii=False, indent=1)

# (a) wordpiece-like BPE: NFKC + Lowercase, Whitespace, ## prefix, unk, template [CLS] $A [SEP], WordPiece decoder
words = re.findall(r'\w+|[^\w\s]+', corpus.lower())
v, m = train(words, "##", None, 400, ["[UNK]", "[CLS]", "[SEP]"])
added = [{"id": v["[UNK]"], "content": "[UNK]", "single_word": False, "lstrip": False, "rstrip": False, "normalized": False, "special": True},
         {"id": v["[CLS]"], "content": "[CLS]", "single_word": False, "lstrip": False, "rstrip": False, "normalized": False, "special": True},
         {"id": v["[SEP]"], "content": "[SEP]", "single_word": False, "lstrip": False, "rstrip": False, "normalized": False, "special": True},
         {"id": len(v), "content": "hello world", "single_word": False, "lstrip": False, "rstrip": False, "normalized": True, "special": False},
         {"id": len(v)+1, "content": "[mask]", "single_word": True, "lstrip": True, "rstrip": True, "normalized": True, "special": True}]
write("a", {"version": "1.0", "truncation": None, "padding": None, "added_tokens": added,
  "normalizer": {"type": "Sequence", "normalizers": [{"type": "NFKC"}, {"type": "Lowercase"}]},
  "pre_tokenizer": {"type": "Whitespace"},
  "post_processor": {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
     "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}],
     "special_tokens": {"[CLS]": {"id": "[CLS]", "ids": [v["[CLS]"]], "tokens": ["[CLS]"]}, "[SEP]": {"id": "[SEP]", "ids": [v["[SEP]"]], "tokens": ["[SEP]"]}}},
  "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
  "model": {"type": "BPE", "dropout": None, "unk_token": "[UNK]", "continuing_subword_prefix": "##", "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "ignore_merges": False, "vocab": v, "merges": m}})

# (b) metaspace BPE (llama-like): Replace normalizer? Metaspace pre-tokenizer (prepend first), byte_fallback, fuse_unk, decoder sequence
words = ["▁" + w for w in corpus.split()]
alphabet = ["<unk>", "<s>", "</s>"] + ["<0x%02X>" % i for i in range(256)]
v, m = train(words, None, None, 400, alphabet)
added = [{"id": v[t], "content": t, "single_word": False, "lstrip": False, "rstrip": False, "normalized": False, "special": True} for t in ["<unk>", "<s>", "</s>"]]
write("b", {"version": "1.0", "truncation": None, "padding": None, "added_tokens": added,
  "normalizer": {"type": "Sequence", "normalizers": [{"type": "NFD"}, {"type": "Replace", "pattern": {"String": "\t"}, "content": "    "}]},
  "pre_tokenizer": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "first", "split": True},
  "post_processor": {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
     "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}],
     "special_tokens": {"<s>": {"id": "<s>", "ids": [v["<s>"]], "tokens": ["<s>"]}}},
  "decoder": {"type": "Sequence", "decoders": [{"type": "Replace", "pattern": {"String": "▁"}, "content": " "}, {"type": "ByteFallback"}, {"type": "Fuse"}, {"type": "Strip", "content": " ", "start": 1, "stop": 0}]},
  "model": {"type": "BPE", "dropout": None, "unk_token": "<unk>", "continuing_subword_prefix": None, "end_of_word_suffix": None, "fuse_unk": True, "byte_fallback": True, "ignore_merges": False, "vocab": v, "merges": m}})

# (b2) metaspace with decoder Metaspace, prepend always, NFKD+StripAccents, split false? keep split true; unk without byte fallback, no fuse; merges as strings
v2, m2 = train(words, None, None, 200, ["<unk>"])
write("b2", {"version": "1.0", "truncation": None, "padding": None, "added_tokens": [{"id": 0, "content": "<unk>", "single_word": False, "lstrip": False, "rstrip": False, "normalized": False, "special": True}],
  "normalizer": {"type": "Sequence", "normalizers": [{"type": "NFKD"}, {"type": "StripAccents"}, {"type": "Strip", "strip_left": True, "strip_right": True}, {"type": "Prepend", "prepend": "▁"}]},
  "pre_tokenizer": {"type": "Sequence", "pretokenizers": [{"type": "Digits", "individual_digits": True}, {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": True}]},
  "post_processor": None,
  "decoder": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": True},
  "model": {"type": "BPE", "dropout": None, "unk_token": "<unk>", "continuing_subword_prefix": None, "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "ignore_merges": False, "vocab": v2, "merges": [a + " " + b for a, b in m2]}})

# (c) byte-level with prefix space + regex, punctuation/digits, added tokens with flags, Roberta post-processing
bwords = []
for w in re.findall(r" ?\w+| ?[^\w\s]+|\s+", corpus):
    bwords.append(''.join(B2U[b] for b in w.encode('utf-8')))
alphabet = ["<s>", "</s>", "<pad>"] + [B2U[b] for b in range(256)]
v, m = train(bwords, None, None, 500, alphabet)
n = len(v)
added = [{"id": v["<s>"], "content": "<s>", "single_word": False, "lstrip": False, "rstrip": False, "normalized": False, "special": True},
         {"id": v["</s>"], "content": "</s>", "single_word": False, "lstrip": False, "rstrip": False, "normalized": False, "special": True},
         {"id": n, "content": "<mask>", "single_word": False, "lstrip": True, "rstrip": False, "normalized": False, "special": True},
         {"id": n+1, "content": "foo_bar", "single_word": True, "lstrip": False, "rstrip": False, "normalized": False, "special": False},
         {"id": n+2, "content": "the", "single_word": True, "lstrip": False, "rstrip": True, "normalized": True, "special": False},
         {"id": n+3, "content": "日本", "single_word": False, "lstrip": False, "rstrip": False, "normalized": True, "special": False}]
write("c", {"version": "1.0", "truncation": None, "padding": None, "added_tokens": added,
  "normalizer": {"type": "Lowercase"},
  "pre_tokenizer": {"type": "Sequence", "pretokenizers": [{"type": "Punctuation", "behavior": "Contiguous"}, {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True}]},
  "post_processor": {"type": "RobertaProcessing", "sep": ["</s>", v["</s>"]], "cls": ["<s>", v["<s>"]], "trim_offsets": True, "add_prefix_space": True},
  "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
  "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None, "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "ignore_merges": True, "vocab": v, "merges": m}})

# (d) split behaviours: Split regex MergedWithPrevious/Next, invert, string split, WhitespaceSplit, end_of_word_suffix, BPEDecoder
words = [w + "</w>" for w in corpus.split()]
v, m = train(corpus.split(), None, "</w>", 300, ["<unk>"])
for beh in ["Removed", "Isolated", "MergedWithPrevious", "MergedWithNext", "Contiguous"]:
  for inv in [False, True]:
    write(f"d-{beh}-{int(inv)}", {"version": "1.0", "truncation": None, "padding": None, "added_tokens": [],
      "normalizer": {"type": "Replace", "pattern": {"Regex": "\\s+"}, "content": " "},
      "pre_tokenizer": {"type": "Sequence", "pretokenizers": [{"type": "WhitespaceSplit"}, {"type": "Split", "pattern": {"Regex": "[aeiou]+|\\d"}, "behavior": beh, "invert": inv}, {"type": "Split", "pattern": {"String": "ll"}, "behavior": beh, "invert": inv}]},
      "post_processor": None,
      "decoder": {"type": "BPEDecoder", "suffix": "</w>"},
      "model": {"type": "BPE", "dropout": None, "unk_token": "<unk>", "continuing_subword_prefix": None, "end_of_word_suffix": "</w>", "fuse_unk": False, "byte_fallback": False, "ignore_merges": False, "vocab": v, "merges": m}})
print("ok")
