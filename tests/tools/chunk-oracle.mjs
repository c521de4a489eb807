// Hugging Face tokenizers (npm `tokenizers` 0.23.2) as the oracle for --chunk-tokens / --chunk-overlap windows.
//   node chunk-oracle.mjs TOKENIZER.json TEXTS.jsonl CHUNK_TOKENS OVERLAP OUT.jsonl
//       each input line {"id", "text"} -> one output line per window, in order:
//       {"id", "chunk", "char_start", "char_end", "n_tokens", "ids", "slice", "decoded"}
//       windows of CHUNK_TOKENS content tokens (no special tokens), each starting CHUNK_TOKENS - OVERLAP after the last,
//       the last ending at the text's last token; char_start/char_end from HF's offsets (Unicode code points of the
//       text), ids = the window + the special tokens HF's post-processor adds, slice = those code points of the
//       text, decoded = HF's decode of the window.
import fs from 'node:fs';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const tk = require('tokenizers');

const [tokenizerPath, textsPath, chunkArg, overlapArg, outPath] = process.argv.slice(2);
const chunkTokens = Number(chunkArg), overlap = Number(overlapArg);
const tokenizer = tk.Tokenizer.fromFile(tokenizerPath);
// The special tokens the post-processor puts after a sequence (Qwen3: <|endoftext|>), found from one encoding.
const withSpecial = (await tokenizer.encode('a')).getIds();
const plain = (await tokenizer.encode('a', null, { addSpecialTokens: false })).getIds();
if (withSpecial.slice(0, plain.length).join() !== plain.join()) throw new Error('the post-processor adds tokens in front; extend the oracle');
const suffix = withSpecial.slice(plain.length);

const lines = [];
for (const line of fs.readFileSync(textsPath, 'utf8').split('\n').filter(l => l.length)) {
  const { id, text } = JSON.parse(line);
  const points = [...text];
  const e = await tokenizer.encode(text, null, { addSpecialTokens: false });
  const ids = e.getIds(), offsets = e.getOffsets();
  for (let start = 0, chunk = 0; ; start += chunkTokens - overlap, chunk++) {
    const end = Math.min(start + chunkTokens, ids.length);
    const window = ids.slice(start, end);
    const charStart = offsets[start][0], charEnd = offsets[end - 1][1];
    lines.push(JSON.stringify({
      id, chunk, char_start: charStart, char_end: charEnd, n_tokens: window.length + suffix.length, ids: [...window, ...suffix],
      slice: points.slice(charStart, charEnd).join(''), decoded: await tokenizer.decode(window, false),
    }));
    if (end === ids.length) break;
  }
}
fs.writeFileSync(outPath, lines.join('\n') + '\n');
