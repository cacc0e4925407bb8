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
const ALPHABET =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/!#$%&()*,-.:;<=>?@[]^_`{|}~";
const DIGIT = new Array(128);
for (let d = 0; d < ALPHABET.length; d++) DIGIT[ALPHABET.charCodeAt(d)] = d;

function Adapt(typical) { this.sum = typical * 16; }
Adapt.prototype.order = function () { return 31 - Math.clz32(Math.max(1, this.sum >>> 4)); };
Adapt.prototype.see = function (n) { this.sum = this.sum - (this.sum >>> 4) + Math.min(n, 67108864); };

function Bits(s) { this.s = s; this.i = 0; this.acc = 0; this.len = 0; this.pairs = s.length & ~1; }
Bits.prototype.atEnd = function () { return this.i >= this.s.length && this.acc === 0; };
Bits.prototype.bits = function (n) {
  if (!n) return 0;
  while (this.len < n) {
    if (this.i < this.pairs) {
      this.acc = this.acc * 8192 + DIGIT[this.s.charCodeAt(this.i)] * 91 + DIGIT[this.s.charCodeAt(this.i + 1)];
      this.i += 2;
      this.len += 13;
    } else {
      this.acc = this.acc * 64 + (this.i < this.s.length ? DIGIT[this.s.charCodeAt(this.i)] : 0);
      this.i++;
      this.len += 6;
    }
  }
  this.len -= n;
  const scale = Math.pow(2, this.len), v = Math.floor(this.acc / scale);
  this.acc -= v * scale;
  return v;
};
Bits.prototype.gamma = function () {
  let zeros = 0;
  while (this.bits(1) === 0 && zeros < 32) zeros++;
  return Math.pow(2, zeros) + this.bits(zeros);
};
Bits.prototype.eg = function (a) {
  const k = a.order(), n = (this.gamma() - 1) * Math.pow(2, k) + this.bits(k);
  a.see(n);
  return n;
};

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

function eachDoc(s, f) {
  if (!s) return;
  const r = new Bits(s);
  let doc = r.bits(docBits);
  const a = new Adapt(Math.min(Math.max(doc, 1), 67108864));
  for (;;) {
    f(doc, r);
    if (r.atEnd()) return;
    doc += 1 + r.eg(a);
  }
}

const isCjk = (c) => (c >= 0x3040 && c <= 0x30ff) || (c >= 0x3400 && c <= 0x4dbf) ||
  (c >= 0x4e00 && c <= 0x9fff) || (c >= 0xac00 && c <= 0xd7af) || (c >= 0xf900 && c <= 0xfaff) ||
  (c >= 0x20000 && c <= 0x3134f);
function shardOf(token, shards) {
  let h = 0x811c9dc5;
  for (const c of Array.from(token).slice(0, 2)) {
    h ^= c.codePointAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h & (shards - 1);
}
function byCodePoint(a, b) {
  const x = Array.from(a, (c) => c.codePointAt(0)), y = Array.from(b, (c) => c.codePointAt(0));
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

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
  const cs = Array.from(t);
  if (cs.length === 1 && isCjk(cs[0].codePointAt(0))) continue;
  const n = shardOf(t, meta.p);
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
