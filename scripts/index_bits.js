#!/usr/bin/env node
// Where the bits of a built search index go: page lists (entries, title
// entries), position lists (counts and positions, bits per position), and
// what separate code orders for a page's first position and the gaps after
// it would save. Decodes the files as themes/default/static/search.js does.
//
// usage: node scripts/index_bits.js PUBLIC_DIR
"use strict";
const fs = require("fs");
const path = require("path");

const dir = path.join(process.argv[2], "search");
const { Bits, Adapt, eachDoc: eachDocOf, shardOf, keyOf, hasPositions, byCodePoint } =
  require(path.join(__dirname, "..", "themes/default/static/search.js"));

/** Bits of the exponential-Golomb code of n with a's order (and a sees n). */
function egBits(n, a) {
  const k = a.order(), m = Math.floor(n / Math.pow(2, k)) + 1;
  a.see(n);
  return 2 * (32 - Math.clz32(m)) - 1 + k;
}
const gammaBits = (n) => 2 * (32 - Math.clz32(n)) - 1;

function data(file) {
  let d;
  new Function("__pinakesSearch", fs.readFileSync(file, "utf8"))((_, x) => { d = x; });
  return d;
}
const files = (sub) => fs.readdirSync(path.join(dir, sub)).map((f) => data(path.join(dir, sub, f)));

let docs = 0;
for (const d of files("d")) docs += d.pages.length;
const docBits = Math.max(1, 32 - Math.clz32(docs - 1));
const meta = data(path.join(dir, "meta.js"));

const eachDoc = (s, f) => eachDocOf(s, docBits, f);

// Page files: tokens, page lists, title lists.
const pages = new Map();
const k = { tokens: 0, nameBytes: 0, listChars: 0, titleChars: 0, entries: 0, titleEntries: 0 };
for (const s of files("k")) {
  const items = s ? s.split(" ") : [];
  for (let i = 0; i + 1 < items.length; i += 2) {
    const [list, titles = ""] = items[i + 1].split("'");
    pages.set(items[i], list);
    k.tokens++;
    k.nameBytes += Buffer.byteLength(items[i]);
    k.listChars += list.length;
    k.titleChars += titles.length;
    eachDoc(list, () => k.entries++);
    eachDoc(titles, (_, r) => { r.bits(1); k.titleEntries++; });
  }
}

// Position files: each shard's lists in its positional tokens' order.
const byShard = new Map();
for (const t of pages.keys()) {
  if (!hasPositions(t)) continue;
  const n = shardOf(keyOf(t), meta.p);
  if (!byShard.has(n)) byShard.set(n, []);
  byShard.get(n).push(t);
}
const p = { lists: 0, entries: 0, countOne: 0, positions: 0, chars: 0, countBits: 0, twoOrders: 0 };
fs.readdirSync(path.join(dir, "p")).forEach((f) => {
  const s = data(path.join(dir, "p", f));
  const lists = s ? s.split(" ") : [];
  const tokens = (byShard.get(Number(f.replace(".js", ""))) || []).sort(byCodePoint);
  if (tokens.length !== lists.length) throw new Error(`p/${f}: ${tokens.length} tokens, ${lists.length} lists`);
  tokens.forEach((t, i) => {
    const r = new Bits(lists[i]), a = new Adapt(64), first = new Adapt(64), gaps = new Adapt(64);
    p.lists++;
    p.chars += lists[i].length;
    eachDoc(pages.get(t), () => {
      const n = r.gamma();
      // A page's text is indexed up to 2^22 characters.
      if (n > 1 << 22) throw new Error(`${t}: ${n} positions on a page: lists out of step`);
      p.entries++;
      p.positions += n;
      if (n === 1) p.countOne++;
      p.countBits += gammaBits(n);
      p.twoOrders += gammaBits(n);
      for (let j = 0; j < n; j++) p.twoOrders += egBits(r.eg(a), j ? gaps : first);
    });
    if (!r.atEnd()) throw new Error(`${t}: its position list is longer than its page list says`);
  });
});

const mb = (chars) => (chars / 1e6).toFixed(2) + " MB";
const bits = p.chars * 6.5;
console.log(`${docs} pages, page numbers of ${docBits} bits`);
console.log(`page files: ${k.tokens} tokens, names ${mb(k.nameBytes)}, page lists ${mb(k.listChars)} ` +
  `(${k.entries} entries, ${(k.listChars * 6.5 / k.entries).toFixed(2)} bits each), ` +
  `title lists ${mb(k.titleChars)} (${k.titleEntries} entries)`);
console.log(`position files: ${p.lists} lists, ${mb(p.chars)}; ${p.entries} pages of them ` +
  `(${(100 * p.countOne / p.entries).toFixed(0)}% with one position), ${p.positions} positions; ` +
  `counts ${(p.countBits / p.entries).toFixed(2)} bits a page, positions ` +
  `${((bits - p.countBits) / p.positions).toFixed(2)} bits each with the lists' padding`);
console.log(`separate orders for first positions and gaps: ${((p.twoOrders / bits - 1) * 100).toFixed(1)}% of the position lists' bits`);
