import json, random
random.seed(7)
base = ["Hello world", " Hello world", "test", "test again", "", " ", "  ", "\n", "\r\n", "a\r\nb", "x \n\n y", "tab\there", "nbsp\u00a0here \u00a0 x",
 "I'm you're we've they'll he'd it's IT'S I'M YOU'RE She'S ſ's 'ſ 'S 'Ll", "don't stop", "'hello' \"quoted\"",
 "123 4567 89.5 1,000,000 ٣٤٥ ①②", "x=1+2; y = f(x) -> {a: [1,2]}", "def foo(bar):\n    return bar * 2\n\n\n", "https://example.com/path?q=1&r=2#frag",
 "日本語のテキストです。漢字とひらがなとカタカナ。", "中文文本，包括标点符号。", "한국어 텍스트입니다", "Привет, мир! Как дела?", "Γειά σου Κόσμε", "مرحبا بالعالم", "שלום עולם",
 "नमस्ते दुनिया", "ওহে বিশ্ব", "สวัสดีชาวโลก", "Ça va? Él está aquí. Über straße", "e\u0301 cafe\u0301 A\u030a \u1e9b\u0323", "\U0001d49c\U0001d49d math \U00020000\U00020001 ext-b",
 "👨‍👩‍👧‍👦 family 🇯🇵🇺🇸 flags 👍🏽", "emoji😀😃x", "<|endoftext|>", "a<|endoftext|>b", "<|im_start|>user\nhi<|im_end|>", "<think>hmm</think> ok", "<tool_call>x</tool_call>",
 "<|endoftext|><|endoftext|>", "< |endoftext| >", "\u2000\u2001 \u3000x\u3000", "\u200b zero width \u200d", "\t\t\n\t", "end with spaces   ", "   lead", "a  b   c    d",
 "\u0085 nel \u2028 ls", "x\u000by\u000cz", "İstanbul ΣΑΣ", "ﬁ ﬂ ㎏ ½", "\x00\x01 ctrl", "lone \ud800 surrogate".encode('utf-16','surrogatepass').decode('utf-16','replace'),
]
scripts = ["abcdefghijklmnopqrstuvwxyz ABCDEFG", "日本語中文漢字", "ひらがなカタカナ", "한국어텍스트", "абвгдеёжзий", "αβγδεζηθ", "ابتثجحخ", "אבגדהוז", "कखगघङचछ", "কখগঘঙ", "กขฃคฅฆ",
  "0123456789", " \n\t\r\u00a0", ".,;:!?'\"-()[]{}", "😀👍🏽🇯🇵", "éàüñç", "\U0001d49c\U00020000"]
texts = list(base)
for i in range(1500):
    n = random.randint(1, 40)
    s = ''.join(random.choice(random.choice(scripts)) for _ in range(n))
    texts.append(s)
for i in range(200):
    words = [random.choice(["the", "The", "I'm", "can't", "hello", "world", "  ", "\n", "123", "x1", "<|endoftext|>", "<think>", "foo_bar", "Ünïcödé", "😀", "日本"]) for _ in range(random.randint(1, 30))]
    texts.append(random.choice(["", " "]).join(words))
texts.append(("The quick brown fox jumps over the lazy dog. 日本語 " * 800)[:50000])
texts.append("长" * 3000)
with open('/tmp/dev/texts.jsonl', 'w') as f:
    for t in texts: f.write(json.dumps({"text": t}) + "\n")
print(len(texts))
