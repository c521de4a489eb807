#!/usr/bin/env python3
"""Writes a deterministic multilingual benchmark corpus for the tokenizer benchmark (no network, seeded).

usage: tokenizer_corpus.py OUT.jsonl [--mb 20] [--seed 1]
Each line is {"text": ...}; document lengths are log-normal (median ~600 bytes, a few up to ~30 KB), and the mix is
roughly web-like: English prose, other Latin-script languages with diacritics, Cyrillic, Greek, Arabic, Hebrew,
Devanagari, Thai, Chinese, Japanese, Korean, code, URLs, numbers, emoji (with ZWJ and flags) and odd whitespace.
"""
import argparse, json, math, random

EN = ("the of and to in is that for it as was with be by on not he I this are or his from at which but have an they "
      "you were her she there would their we him been has when who will more no if out so said what up its about into "
      "than them can only other new some could time these two may then do first any my now such like our over man me "
      "even most made after also did many before must through back years where much your way well down should because "
      "each just those people Mr how too little state good very make world still own see men work long get here between "
      "both life being under never day same another know while last might us great old year off come since against go "
      "came right used take three don't can't I'm it's we're they'll you've she'd model embedding tokenizer vector").split()
LATIN = "café naïve über straße français español niño añejo mañana Zürich Kraków łódź čeština mişcare ştiinţă Ærø smørrebrød".split()
CYR = "Привет мир как дела это очень хорошо спасибо большое работа модель данные текст язык".split()
GREEK = "Γειά σου κόσμε καλημέρα ευχαριστώ πολύ γλώσσα κείμενο".split()
AR = "مرحبا بالعالم كيف حالك شكرا جزيلا النص اللغة".split()
HE = "שלום עולם מה שלומך תודה רבה טקסט שפה".split()
HI = "नमस्ते दुनिया आप कैसे हैं धन्यवाद भाषा पाठ".split()
TH = "สวัสดีชาวโลก ขอบคุณมาก ภาษาไทย ข้อความ".split()
ZH = "我们今天学习自然语言处理模型的向量表示方法，这是一个非常重要的研究领域。数据和计算都很关键。".replace("，", " ， ").split() + list("的一是不了人我在有他这中大来上个国到说们为子和你地出道也时年")
JA = "今日は良い天気ですね。ひらがなとカタカナと漢字を使います。トークナイザーのテストです。".split("。")
KO = "안녕하세요 세계 오늘 날씨가 좋네요 감사합니다 언어 모델 텍스트".split()
EMOJI = ["😀", "👍🏽", "👨‍👩‍👧‍👦", "🇯🇵", "🇺🇸", "❤️", "🎉", "🤖", "𝒜𝒷𝒸", "𠀀𠀁"]
CODE = ["def f(x):\n    return x * 2\n", "for (int i = 0; i < n; i++) { sum += a[i]; }\n", "SELECT id, name FROM users WHERE age > 21;\n",
        "const xs = [1, 2, 3].map(x => x ** 2);\n", "if err != nil {\n\treturn nil, err\n}\n", "<div class=\"row\"><span>{{ value }}</span></div>\n"]
SPACE = [" ", " ", " ", "  ", "\n", "\n\n", "\t", "\r\n", "\u00a0", "   "]

def words(rng, pool, n, sep=" "):
    return sep.join(rng.choice(pool) for _ in range(n))

def paragraph(rng):
    kind = rng.random()
    n = rng.randint(5, 60)
    if kind < 0.40: s = words(rng, EN, n).capitalize() + rng.choice([".", "!", "?", ","])
    elif kind < 0.50: s = words(rng, LATIN + EN, n)
    elif kind < 0.56: s = words(rng, CYR, n)
    elif kind < 0.59: s = words(rng, GREEK, n)
    elif kind < 0.62: s = words(rng, AR, n)
    elif kind < 0.64: s = words(rng, HE, n)
    elif kind < 0.67: s = words(rng, HI, n)
    elif kind < 0.69: s = words(rng, TH, n, "")
    elif kind < 0.77: s = words(rng, ZH, n, "")
    elif kind < 0.81: s = words(rng, JA, max(1, n // 6), "。")
    elif kind < 0.84: s = words(rng, KO, n)
    elif kind < 0.91: s = "".join(rng.choice(CODE) for _ in range(max(1, n // 10)))
    elif kind < 0.94: s = " ".join(f"https://example{rng.randint(1, 99)}.com/{words(rng, EN, 3, '/')}?q={rng.randint(0, 10**6)}" for _ in range(max(1, n // 10)))
    elif kind < 0.97: s = " ".join(str(rng.choice([rng.randint(0, 10**9), round(rng.random() * 1000, 3), "1,234,567", "2026-11-22"])) for _ in range(n))
    else: s = words(rng, EN + EMOJI, n)
    return s

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--mb", type=float, default=20)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    target = int(a.mb * 1_000_000)
    written = 0
    with open(a.out, "w", encoding="utf-8") as f:
        while written < target:
            size = min(30_000, int(math.exp(rng.gauss(math.log(600), 1.0))))
            parts = []
            n = 0
            while n < size:
                p = paragraph(rng)
                parts.append(p)
                parts.append(rng.choice(SPACE))
                n += len(p.encode("utf-8")) + 1
            text = "".join(parts).strip(" ")
            line = json.dumps({"text": text}, ensure_ascii=False)
            f.write(line + "\n")
            written += len(text.encode("utf-8"))
    print(f"wrote {a.out}: {written / 1e6:.1f} MB of text")

if __name__ == "__main__":
    main()
