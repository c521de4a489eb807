// Hugging Face's own tokenizers library (Rust core, npm `tokenizers` 0.23.2) as the oracle for our tokenizer.
//   node tokenizer-oracle.mjs encode TOKENIZER.json TEXTS.jsonl OUT.jsonl [MAX_LENGTH]
//       each input line {"text": ...} -> one output line: the ids with special tokens (an array), truncated to
//       MAX_LENGTH when given (Hugging Face's truncation: the special tokens kept)
//   node tokenizer-oracle.mjs bert VOCAB.txt OUT.json LOWERCASE(true|false)
//       builds a BERT tokenizer.json from vocab.txt with HF's components, as transformers' BertConverter does
//   node tokenizer-oracle.mjs unigram SPEC.json OUT.json
//       SPEC: {"pieces": [[piece, score], ...], "unkId": n, "byteFallback": bool,
//              "normalizer": "nfkc" | "precompiled" | null, "charsmap": [bytes] (precompiled),
//              "replacement": "▁", "prependScheme": "always" | "first" | "never", "split": bool}
import fs from 'node:fs';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const tk = require('tokenizers');

const [command, ...args] = process.argv.slice(2);
if (command === 'encode') {
  const [tokenizerPath, textsPath, outPath, maxLength] = args;
  const tokenizer = tk.Tokenizer.fromFile(tokenizerPath);
  if (maxLength) tokenizer.setTruncation(Number(maxLength));
  const texts = fs.readFileSync(textsPath, 'utf8').split('\n').filter(l => l.length).map(l => JSON.parse(l).text);
  const lines = [];
  for (let i = 0; i < texts.length; i += 256) {
    const encodings = await tokenizer.encodeBatch(texts.slice(i, i + 256), { addSpecialTokens: true });
    for (const e of encodings) lines.push(JSON.stringify(e.getIds()));
  }
  fs.writeFileSync(outPath, lines.join('\n') + '\n');
} else if (command === 'bert') {
  const [vocabPath, outPath, lowercase] = args;
  const lower = lowercase !== 'false';
  const model = await tk.WordPiece.fromFile(vocabPath, { unkToken: '[UNK]' });
  const tokenizer = new tk.Tokenizer(model);
  tokenizer.setNormalizer(tk.bertNormalizer({ cleanText: true, handleChineseChars: true, stripAccents: lower, lowercase: lower }));
  tokenizer.setPreTokenizer(tk.bertPreTokenizer());
  tokenizer.setDecoder(tk.wordPieceDecoder('##', true));
  tokenizer.addSpecialTokens(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']);
  tokenizer.setPostProcessor(tk.bertProcessing(['[SEP]', tokenizer.tokenToId('[SEP]')], ['[CLS]', tokenizer.tokenToId('[CLS]')]));
  tokenizer.save(outPath, true);
} else if (command === 'unigram') {
  const [specPath, outPath] = args;
  const spec = JSON.parse(fs.readFileSync(specPath, 'utf8'));
  const tokenizer = new tk.Tokenizer(tk.Unigram.init(spec.pieces, { unkId: spec.unkId, byteFallback: spec.byteFallback ?? false }));
  if (spec.normalizer === 'nfkc') tokenizer.setNormalizer(tk.nfkcNormalizer());
  if (spec.normalizer === 'precompiled')
    tokenizer.setNormalizer(tk.sequenceNormalizer([tk.precompiled(spec.charsmap), tk.replace('  ', ' ')]));
  tokenizer.setPreTokenizer(tk.metaspacePreTokenizer(spec.replacement ?? '▁', spec.prependScheme ?? 'always', spec.split ?? true));
  tokenizer.setDecoder(tk.metaspaceDecoder(spec.replacement ?? '▁', spec.prependScheme ?? 'always', spec.split ?? true));
  tokenizer.save(outPath, true);
} else {
  console.error('usage: tokenizer-oracle.mjs encode|bert|unigram ...');
  process.exit(2);
}
