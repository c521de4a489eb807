// node gen.js tokenizer.json texts.jsonl out.jsonl  -- writes cases in the fixtures.md format using HF tokenizers 0.23.2
const {Tokenizer} = require('tokenizers');
const fs = require('fs');
(async () => {
  const [tokPath, textsPath, outPath] = process.argv.slice(2);
  const texts = fs.readFileSync(textsPath, 'utf8').split('\n').filter(l => l.length).map(l => JSON.parse(l).text);
  const t = Tokenizer.fromFile(tokPath);
  const t16 = Tokenizer.fromFile(tokPath); t16.setTruncation(16);
  const t512 = Tokenizer.fromFile(tokPath); t512.setTruncation(512);
  const out = [];
  for (const text of texts) {
    const ids = (await t.encode(text, null, {addSpecialTokens: true})).getIds();
    const plain = (await t.encode(text, null, {addSpecialTokens: false})).getIds();
    const m16 = (await t16.encode(text, null, {addSpecialTokens: true})).getIds();
    const m512 = (await t512.encode(text, null, {addSpecialTokens: true})).getIds();
    out.push(JSON.stringify({text, ids, ids_plain: plain, ids_max16: m16, ids_max512: m512,
      decoded: await t.decode(ids, false), decoded_skip: await t.decode(ids, true)}));
  }
  fs.writeFileSync(outPath, out.join('\n') + '\n');
})();
