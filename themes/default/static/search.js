/* pinakes search: the query side of the index written by `pinakes build`
   (src/search/). No dependencies. Finds what a reader typed the way the
   browser's find-in-page would: Chinese by exact substring (character pairs
   whose positions must line up), other scripts by word prefix, several terms
   AND-ed, title matches first.

   Index files are scripts calling __pinakesSearch(name, data), so they load
   with <script> tags on any static host and from file://.

   In Node (tests), `require` returns the matcher without touching a page. */
"use strict";
(function () {
  /* ---------- Text rules: the same as src/search/text.rs ---------- */

  function isCjk(cp) {
    return (cp >= 0x3040 && cp <= 0x30ff) || (cp >= 0x3400 && cp <= 0x4dbf) ||
      (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0xac00 && cp <= 0xd7af) ||
      (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0x20000 && cp <= 0x3134f);
  }
  var WORD_CHAR = /[\p{Alphabetic}\p{N}]/u;
  var OTHER = 0, WORD = 1, CJK = 2;

  function classOf(ch) {
    if (isCjk(ch.codePointAt(0))) return CJK;
    return WORD_CHAR.test(ch) ? WORD : OTHER;
  }

  function normalizeChar(ch) {
    var cp = ch.codePointAt(0);
    if (cp >= 0xff01 && cp <= 0xff5e) ch = String.fromCodePoint(cp - 0xfee0);
    else if (cp === 0x3000) return " ";
    var lower = ch.toLowerCase();
    return lower.length === ch.length || Array.from(lower).length === 1 ? lower : ch;
  }

  /** Normalized characters (code points) of a string. */
  function normalize(s) {
    var out = Array.from(s);
    for (var i = 0; i < out.length; i++) out[i] = normalizeChar(out[i]);
    return out;
  }

  /** FNV-1a over code points: the shard of a token key. */
  function shardOf(key, shards) {
    var h = 0x811c9dc5;
    for (var i = 0; i < key.length; i++) {
      h ^= key[i].codePointAt(0);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    return h & (shards - 1);
  }

  /* ---------- Index encoding (see src/search/codec.rs, postings.rs) ---------- */

  var DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  /* Bit strings: 13 bits to a pair of these 91 characters (the base-64
     digits first); an odd length ends in one 6-bit digit. */
  var ALPHABET = DIGITS + "!#$%&()*,-.:;<=>?@[]^_`{|}~";
  var DIGIT = new Int8Array(128);
  for (var d = 0; d < ALPHABET.length; d++) DIGIT[ALPHABET.charCodeAt(d)] = d;

  /** Reads base-64 variable-length numbers (meta.js, facets.js) one at a time. */
  function Reader(s) { this.s = s; this.i = 0; }
  Reader.prototype.more = function () { return this.i < this.s.length; };
  Reader.prototype.next = function () {
    var n = 0, shift = 0, v;
    do {
      v = DIGIT[this.s.charCodeAt(this.i++)];
      n += (v & 31) * Math.pow(2, shift);
      shift += 5;
    } while (v & 32);
    return n;
  };

  /** The order of the next exponential-Golomb code: follows recent values. */
  function Adapt(typical) { this.sum = typical * 16; }
  Adapt.prototype.order = function () { return 31 - Math.clz32(Math.max(1, this.sum >>> 4)); };
  Adapt.prototype.see = function (n) { this.sum = this.sum - (this.sum >>> 4) + Math.min(n, 67108864); };

  /** Reads bits (13 per pair of characters, high first) and the codes built on them. */
  function Bits(s) { this.s = s; this.i = 0; this.acc = 0; this.len = 0; this.pairs = s.length & ~1; }
  /* Only padding left: every character read, the pending bits all zero. */
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
    var scale = Math.pow(2, this.len), v = Math.floor(this.acc / scale);
    this.acc -= v * scale;
    return v;
  };
  Bits.prototype.gamma = function () {
    var zeros = 0;
    while (this.bits(1) === 0 && zeros < 32) zeros++;
    return Math.pow(2, zeros) + this.bits(zeros);
  };
  Bits.prototype.eg = function (a) {
    var k = a.order(), n = (this.gamma() - 1) * Math.pow(2, k) + this.bits(k);
    a.see(n);
    return n;
  };

  /**
   * A token's page list and title list ("pages'titles", the title list
   * only when the token is in a title): Map doc -> 0 (not in the title),
   * 1 (in it), 2 (at its start). Page numbers are docBits bits wide.
   */
  function decodePages(s, docBits) {
    var cut = s.indexOf("'"), m = new Map();
    eachDoc(cut < 0 ? s : s.slice(0, cut), docBits, function (doc) { m.set(doc, 0); });
    if (cut >= 0) eachDoc(s.slice(cut + 1), docBits, function (doc, r) { m.set(doc, 1 + r.bits(1)); });
    return m;
  }

  /* The pages of a page or title list: the first in docBits bits, then gaps; each handed to f with the reader. */
  function eachDoc(s, docBits, f) {
    if (!s) return;
    var r = new Bits(s), doc = r.bits(docBits), a = new Adapt(Math.min(Math.max(doc, 1), 67108864));
    for (;;) {
      f(doc, r);
      if (r.atEnd()) return;
      doc += 1 + r.eg(a);
    }
  }

  /* A page file's string ("token list token list …") as an object token -> list. */
  function pageShard(s) {
    var parts = s ? s.split(" ") : [], o = Object.create(null);
    for (var i = 0; i + 1 < parts.length; i += 2) o[parts[i]] = parts[i + 1];
    return o;
  }

  /** A token's position list, for the pages of its page list: Map doc -> positions. */
  function decodePositions(s, pages) {
    var r = new Bits(s), a = new Adapt(64), m = new Map();
    pages.forEach(function (_, doc) {
      var n = r.gamma(), pos = new Array(n), p = -1;
      for (var k = 0; k < n; k++) { p = k ? p + r.eg(a) + 1 : r.eg(a); pos[k] = p; }
      m.set(doc, pos);
    });
    return m;
  }

  /* ---------- Queries ---------- */

  /**
   * A query as terms (whitespace-separated, AND-ed). Each term has `parts`:
   * words ({word, offset, prefix}), character pairs ({pair, offset}) and,
   * for a lone CJK character, {char}. Pairs cover every CJK run of two or
   * more characters, so position checks pin every character of the run.
   */
  function parseQuery(q) {
    var terms = [], seen = {};
    String(q).split(/\s+/).forEach(function (raw) {
      var chars = normalize(raw), text = chars.join("");
      if (!text || seen[text]) return;
      var parts = [], i = 0;
      while (i < chars.length) {
        var c = classOf(chars[i]), start = i;
        if (c === OTHER) { i++; continue; }
        while (i < chars.length && classOf(chars[i]) === c) i++;
        if (c === WORD) {
          parts.push({ word: chars.slice(start, i).join(""), offset: start, prefix: i === chars.length });
        } else if (i - start === 1) {
          parts.push({ char: chars[start] });
        } else {
          for (var k = start; k + 1 < i; k += 2) parts.push({ pair: chars[k] + chars[k + 1], offset: k });
          if ((i - start) % 2 === 1) parts.push({ pair: chars[i - 2] + chars[i - 1], offset: i - 2 });
        }
      }
      if (!parts.length) return;
      seen[text] = true;
      terms.push({ text: text, chars: chars, parts: parts });
    });
    return terms;
  }

  /** A token's shard key: its first two characters (all words a prefix can match share it). */
  function keyOf(token) {
    return Array.from(token).slice(0, 2);
  }

  var KIND_ORDER = { policy: 0, measure: 1, metric: 2, page: 3 };

  /**
   * The index in a page or a test. `load(name)` returns a promise of the data
   * of `search/<name>.js`.
   */
  function Index(load) {
    this.load = load;
    this.files = new Map();
    this.decoded = new Map();
    this.meta = null;
  }

  Index.prototype.file = function (name) {
    var f = this.files.get(name);
    if (!f) {
      f = this.load(name);
      // Shards are one string each: page files of tokens and lists, position files of lists.
      if (name.lastIndexOf("k/", 0) === 0) f = f.then(pageShard);
      else if (name.lastIndexOf("p/", 0) === 0) f = f.then(function (s) { return s ? s.split(" ") : []; });
      this.files.set(name, f);
      var files = this.files;
      f.catch(function () { files.delete(name); });
    }
    return f;
  };

  Index.prototype.ready = function () {
    var self = this;
    if (!this.meta) {
      this.meta = this.file("meta").then(function (m) {
        var r = new Reader(m.docs), docs = [], width = m.status.length + 1;
        while (r.more()) {
          var v = r.next(), st = v % width;
          docs.push({
            kind: m.kind[Math.floor(v / width)], status: st ? m.status[st - 1] : null,
            titleLen: r.next(), issuer: [], tags: [],
          });
        }
        var docBits = Math.max(1, 32 - Math.clz32(Math.max(docs.length - 1, 0)));
        return { k: m.k, p: m.p, cards: m.cards, docs: docs, docBits: docBits };
      });
      this.meta.catch(function () { self.meta = null; });
    }
    return this.meta;
  };

  /** Issuers and tags of every page (for the search page's filters), into meta's docs. */
  Index.prototype.facets = function () {
    var self = this;
    if (!this.facetsLoaded) {
      this.facetsLoaded = Promise.all([this.ready(), this.file("facets")]).then(function (both) {
        var docs = both[0].docs, f = both[1], r = new Reader(f.docs);
        docs.forEach(function (doc) {
          doc.issuer = [];
          doc.tags = [];
          for (var n = r.next(); n > 0; n--) doc.issuer.push(f.issuer[r.next()]);
          for (n = r.next(); n > 0; n--) doc.tags.push(f.tags[r.next()]);
        });
        return both[0];
      });
      this.facetsLoaded.catch(function () { self.facetsLoaded = null; });
    }
    return this.facetsLoaded;
  };

  /** A token's page list (decoded once): Map doc -> title flag. */
  Index.prototype.pages = function (shards, key) {
    var id = "k\u0000" + key, m = this.decoded.get(id);
    if (!m) {
      var s = shards[this.kName(key)][key];
      m = s === undefined ? new Map() : decodePages(s, this.shardCounts.docBits);
      this.decoded.set(id, m);
    }
    return m;
  };

  /** A token's positions (decoded once): Map doc -> positions. */
  Index.prototype.positions = function (shards, key) {
    var id = "p\u0000" + key, m = this.decoded.get(id);
    if (!m) {
      var at = this.positionPlace(shards, key);
      var s = at === undefined ? undefined : shards[this.pName(key)][at];
      m = s === undefined ? new Map() : decodePositions(s, this.pages(shards, key));
      this.decoded.set(id, m);
    }
    return m;
  };

  /**
   * Where a token's list stands in its position file, which holds the lists
   * of its shard's tokens unnamed, in their order: its place among the
   * tokens of its page file (which names them all) that are in the same
   * position shard and have positions (all but single CJK characters).
   */
  Index.prototype.positionPlace = function (shards, key) {
    var self = this, name = this.pName(key), id = "o\u0000" + name, order = this.decoded.get(id);
    if (!order) {
      order = new Map();
      Object.keys(shards[this.kName(key)])
        .filter(function (t) { return hasPositions(t) && self.pName(t) === name; })
        .sort(byCodePoint)
        .forEach(function (t, i) { order.set(t, i); });
      this.decoded.set(id, order);
    }
    return order.get(key);
  };

  function hasPositions(token) {
    return !(isCjk(token.codePointAt(0)) && Array.from(token).length === 1);
  }

  /** Tokens in code point order, the order of the index's files (UTF-16 units differ past U+FFFF). */
  function byCodePoint(a, b) {
    var i = 0, j = 0;
    while (i < a.length && j < b.length) {
      var x = a.codePointAt(i), y = b.codePointAt(j);
      if (x !== y) return x - y;
      i += x > 0xffff ? 2 : 1;
      j += y > 0xffff ? 2 : 1;
    }
    return (a.length - i) - (b.length - j);
  }

  Index.prototype.kName = function (key) { return "k/" + shardOf(keyOf(key), this.shardCounts.k); };
  Index.prototype.pName = function (key) { return "p/" + shardOf(keyOf(key), this.shardCounts.p); };

  /** The tokens a part stands for: the word, or every word it starts (prefix), or the pair or character. */
  Index.prototype.keys = function (shards, part) {
    if (!part.word) return [part.pair || part.char];
    if (!part.prefix) return [part.word];
    var w = part.word;
    return Object.keys(shards[this.kName(w)]).filter(function (k) { return k.lastIndexOf(w, 0) === 0; });
  };

  /** Page lists of several tokens, merged: Map doc -> best title flag. */
  Index.prototype.anyPages = function (shards, keys) {
    if (keys.length === 1) return this.pages(shards, keys[0]);
    var self = this, out = new Map();
    keys.forEach(function (k) {
      self.pages(shards, k).forEach(function (t, doc) { out.set(doc, Math.max(t, out.get(doc) || 0)); });
    });
    return out;
  };

  /** Positions of several tokens, merged and sorted. */
  Index.prototype.anyPositions = function (shards, keys) {
    if (keys.length === 1) return this.positions(shards, keys[0]);
    var self = this, out = new Map();
    keys.forEach(function (k) {
      self.positions(shards, k).forEach(function (pos, doc) {
        var have = out.get(doc);
        out.set(doc, have ? have.concat(pos).sort(function (a, b) { return a - b; }) : pos);
      });
    });
    return out;
  };

  /**
   * Runs a query: the matching pages, best first, each as
   * {doc, start (character position of the first match in the body, -1 if
   * unknown), inTitle, count}.
   */
  Index.prototype.search = function (q) {
    var self = this, terms = parseQuery(q);
    return this.ready().then(function (meta) {
      if (!terms.length) return { terms: terms, hits: [] };
      self.shardCounts = meta;
      var names = new Set();
      terms.forEach(function (t) {
        // One token needs its pages only; a phrase its tokens' positions.
        t.positional = t.parts.length > 1;
        t.parts.forEach(function (p) {
          var key = p.word || p.pair || p.char;
          names.add(self.kName(key));
          if (t.positional && !p.char) names.add(self.pName(key));
        });
      });
      var shards = {};
      return Promise.all(Array.from(names).map(function (n) {
        return self.file(n).then(function (data) { shards[n] = data; });
      })).then(function () {
        var matches = terms.map(function (t) { return self.matchTerm(t, shards, meta); });
        matches.sort(function (a, b) { return a.size - b.size; });
        var hits = [];
        matches[0].forEach(function (m0, doc) {
          var inTitle = 0, count = 0, start = -1, lead = false;
          for (var i = 0; i < matches.length; i++) {
            var m = matches[i].get(doc);
            if (!m) return;
            if (m.inTitle) inTitle++;
            if (m.titleStart) lead = true;
            count += m.count;
            if (m.bodyStart >= 0 && (start < 0 || m.bodyStart < start)) start = m.bodyStart;
          }
          hits.push({ doc: doc, inTitle: inTitle, lead: lead, count: count, start: start });
        });
        var termLen = terms.reduce(function (n, t) { return n + t.chars.length; }, 0);
        hits.forEach(function (h) {
          var d = meta.docs[h.doc];
          h.kind = d.kind;
          h.cover = h.inTitle ? termLen / Math.max(d.titleLen, 1) : 0;
        });
        hits.sort(function (a, b) {
          return b.inTitle - a.inTitle || b.lead - a.lead || b.cover - a.cover || b.count - a.count ||
            KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || a.doc - b.doc;
        });
        return { terms: terms, hits: hits };
      });
    });
  };

  /** Pages matching one term: Map doc -> {inTitle, titleStart, count, bodyStart}. */
  Index.prototype.matchTerm = function (term, shards, meta) {
    var self = this, positional = [], lists = [];
    term.parts.forEach(function (p) {
      var keys = self.keys(shards, p);
      lists.push(self.anyPages(shards, keys));
      if (term.positional && !p.char) positional.push({ map: self.anyPositions(shards, keys), offset: p.offset });
    });
    lists.sort(function (a, b) { return a.size - b.size; });
    var out = new Map(), len = term.chars.length;
    lists[0].forEach(function (_, doc) {
      for (var i = 1; i < lists.length; i++) if (!lists[i].has(doc)) return;
      if (!positional.length) {
        // One token (or characters only): its page list says all.
        var flag = lists.reduce(function (f, m) { return Math.min(f, m.get(doc)); }, 2);
        out.set(doc, { inTitle: flag > 0, titleStart: flag === 2 && lists.length === 1, count: 1, bodyStart: -1 });
        return;
      }
      // Starts where every positioned token sits at its offset.
      var titleLen = meta.docs[doc].titleLen;
      var first = positional[0], starts = first.map.get(doc).map(function (p) { return p - first.offset; });
      for (var k = 1; k < positional.length && starts.length; k++) {
        var set = new Set(positional[k].map.get(doc)), off = positional[k].offset;
        starts = starts.filter(function (s) { return set.has(s + off); });
      }
      if (!starts.length) return;
      var hit = { inTitle: false, titleStart: starts[0] === 0, count: starts.length, bodyStart: -1 };
      for (var j = 0; j < starts.length; j++) {
        if (starts[j] + len <= titleLen) hit.inTitle = true;
        else if (starts[j] > titleLen && hit.bodyStart < 0) hit.bodyStart = starts[j];
      }
      out.set(doc, hit);
    });
    return out;
  };

  /** A link as the build wrote it: its non-ASCII characters percent-encoded again. */
  function fullUrl(url) {
    return url.replace(/[^\x00-\x7f]+/g, function (s) { return encodeURIComponent(s); });
  }

  /** Title, URL and sections of a page: {title, url, sections: [{start, id, heading}]}. */
  Index.prototype.doc = function (n) {
    var self = this;
    return this.ready().then(function (meta) {
      var lo = 0, hi = meta.cards.length - 1;
      while (lo < hi) {
        var mid = (lo + hi + 1) >> 1;
        if (meta.cards[mid] <= n) lo = mid; else hi = mid - 1;
      }
      return self.file("d/" + lo).then(function (card) {
        var r = card.pages[n - meta.cards[lo]], sections = [];
        for (var i = 0; i < r[2].length; i += 2) {
          var h = card.heads[r[2][i + 1]];
          sections.push({ start: r[2][i], id: typeof h === "string" ? h : h[0], heading: typeof h === "string" ? h : h[1] });
        }
        return { title: r[0], url: fullUrl(r[1]), sections: sections };
      });
    });
  };

  /**
   * Where to point a reader: the section holding the first match in the body
   * (when the query's positions say where it is): {id, heading}, or null.
   */
  function section(doc, start) {
    var at = null;
    if (start < 0) return null;
    doc.sections.forEach(function (s) { if (s.start <= start) at = s; });
    return at;
  }

  function indexOfChars(hay, needle, from) {
    outer: for (var i = from; i + needle.length <= hay.length; i++) {
      for (var k = 0; k < needle.length; k++) if (hay[i + k] !== needle[k]) continue outer;
      return i;
    }
    return -1;
  }

  /** Flags, for characters a..b of `norm`, those inside an occurrence of a term. */
  function markTerms(norm, terms, a, b) {
    var marks = new Array(b - a).fill(false);
    terms.forEach(function (t) {
      var from = Math.max(0, a - t.chars.length + 1), p;
      while ((p = indexOfChars(norm, t.chars, from)) >= 0 && p < b) {
        for (var k = Math.max(p, a); k < Math.min(p + t.chars.length, b); k++) marks[k - a] = true;
        from = p + 1;
      }
    });
    return marks;
  }

  if (typeof module === "object" && module.exports) {
    module.exports = {
      normalize: normalize, parseQuery: parseQuery, Index: Index,
      // The codes and shards, for tools that read an index's files.
      Bits: Bits, Adapt: Adapt, eachDoc: eachDoc, shardOf: shardOf, keyOf: keyOf,
      hasPositions: hasPositions, byCodePoint: byCodePoint,
    };
    return;
  }

  /* ---------- In the page ---------- */

  var script = document.currentScript;
  var root = (script && script.getAttribute("data-root")) || "";
  var pending = new Map();

  window.__pinakesSearch = function (name, data) {
    var p = pending.get(name);
    if (p) { pending.delete(name); p.resolve(data); }
  };

  function loadScript(name) {
    return new Promise(function (resolve, reject) {
      pending.set(name, { resolve: resolve });
      var s = document.createElement("script");
      s.src = root + "search/" + name + ".js";
      s.async = true;
      s.onerror = function () { pending.delete(name); reject(new Error("cannot load " + s.src)); };
      s.onload = function () { s.remove(); };
      document.head.appendChild(s);
    });
  }

  var index = new Index(loadScript);

  /** UI strings and facet labels (search/labels.js, written once for the
      site): loaded with the index on first use, not carried by every page. */
  var labels = {}, labelsLoad = null;
  function loadLabels() {
    if (!labelsLoad) labelsLoad = loadScript("labels").then(function (l) { labels = l || {}; }, function () {});
    return labelsLoad;
  }
  /** A query's hits, once the labels to show them with are there too. */
  function searched(q) {
    return Promise.all([index.search(q), loadLabels()]).then(function (r) { return r[0]; });
  }
  function label(key, fallback) { return labels[key] || fallback; }
  function fmt(key, n) { return label(key, "{n}").replace("{n}", n); }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }

  /** Text with flagged characters wrapped in <mark>; never parsed as HTML. */
  function highlighted(parent, chars, marks) {
    var i = 0;
    while (i < chars.length) {
      var j = i;
      while (j < chars.length && marks[j] === marks[i]) j++;
      var text = chars.slice(i, j).join("");
      parent.appendChild(marks[i] ? el("mark", null, text) : document.createTextNode(text));
      i = j;
    }
  }

  function resultItem(hit, doc, terms, meta) {
    var li = el("li", "search-result");
    var sec = section(doc, hit.start);
    var href = root + doc.url + (sec ? "#" + encodeURIComponent(sec.id) : "");
    var a = el("a", "search-result__link");
    a.href = href;
    var kind = meta.docs[hit.doc].kind;
    a.appendChild(el("span", "kind kind--" + kind, label("kind." + kind, kind)));
    var title = el("span", "search-result__title");
    var tchars = Array.from(doc.title);
    highlighted(title, tchars, markTerms(tchars.map(normalizeChar), terms, 0, tchars.length));
    a.appendChild(title);
    li.appendChild(a);
    if (sec) li.appendChild(el("p", "search-result__section", "§ " + sec.heading));
    return li;
  }

  /** Arrow keys move between the input and the result links; Escape returns. */
  function keyboard(input, list, onEscape) {
    function links() { return Array.prototype.slice.call(list.querySelectorAll("a.search-result__link")); }
    input.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown") {
        var l = links();
        if (l.length) { e.preventDefault(); l[0].focus(); }
      } else if (e.key === "Escape" && onEscape) {
        onEscape();
      }
    });
    list.addEventListener("keydown", function (e) {
      var l = links(), i = l.indexOf(document.activeElement);
      if (i < 0) return;
      if (e.key === "ArrowDown" && i + 1 < l.length) { e.preventDefault(); l[i + 1].focus(); }
      else if (e.key === "ArrowUp") { e.preventDefault(); (i > 0 ? l[i - 1] : input).focus(); }
      else if (e.key === "Escape") { e.preventDefault(); input.focus(); if (onEscape) onEscape(); }
    });
  }

  function debounce(fn, ms) {
    var t;
    return function () { clearTimeout(t); t = setTimeout(fn, ms); };
  }

  /* The /search/ page: results as you type, facets, "more". */
  function searchPage(box) {
    var form = box.querySelector("form"), input = box.querySelector("input[type=search]");
    var status = box.querySelector("[data-search-status]"), list = box.querySelector("[data-search-results]");
    var facetsBox = box.querySelector("[data-search-facets]"), more = box.querySelector("[data-search-more]");
    var PAGE = 20, shown = PAGE, last = null, seq = 0;
    var chosen = { kind: new Set(), status: new Set(), issuer: new Set(), tags: new Set() };
    var FACETS = ["kind", "status", "issuer", "tags"];

    function values(doc, f) {
      return f === "kind" ? [doc.kind] : f === "status" ? (doc.status ? [doc.status] : []) : doc[f];
    }
    function passes(doc, except) {
      return FACETS.every(function (f) {
        if (f === except || !chosen[f].size) return true;
        return values(doc, f).some(function (v) { return chosen[f].has(v); });
      });
    }
    function facetLabel(f, v) {
      return f === "kind" || f === "status" ? label(f + "." + v, v) : v;
    }

    function renderFacets(meta, hits) {
      // Redrawing replaces the checkboxes: keep the keyboard focus where it was.
      var active = document.activeElement, keep = facetsBox.contains(active) ? active.name + "\u0000" + active.value : null;
      facetsBox.textContent = "";
      FACETS.forEach(function (f) {
        var counts = new Map();
        hits.forEach(function (h) {
          var d = meta.docs[h.doc];
          if (passes(d, f)) values(d, f).forEach(function (v) { counts.set(v, (counts.get(v) || 0) + 1); });
        });
        chosen[f].forEach(function (v) { if (!counts.has(v)) counts.set(v, 0); });
        if (!counts.size) return;
        var fs = el("fieldset", "search-facet");
        fs.appendChild(el("legend", null, label("facet." + f, f)));
        Array.from(counts).sort(function (a, b) { return b[1] - a[1] || (a[0] < b[0] ? -1 : 1); })
          .forEach(function (e) {
            var l = el("label", "search-facet__option"), cb = el("input");
            cb.type = "checkbox";
            cb.name = f;
            cb.value = e[0];
            cb.checked = chosen[f].has(e[0]);
            cb.addEventListener("change", function () {
              if (cb.checked) chosen[f].add(e[0]); else chosen[f].delete(e[0]);
              shown = PAGE;
              show();
            });
            l.appendChild(cb);
            l.appendChild(el("span", null, facetLabel(f, e[0])));
            l.appendChild(el("span", "search-facet__count", String(e[1])));
            fs.appendChild(l);
          });
        facetsBox.appendChild(fs);
      });
      if (keep) {
        Array.prototype.some.call(facetsBox.querySelectorAll("input"), function (cb) {
          if (cb.name + "\u0000" + cb.value !== keep) return false;
          cb.focus();
          return true;
        });
      }
    }

    function show() {
      var mine = ++seq;
      if (!last) return;
      index.facets().then(function (meta) {
        var hits = last.hits.filter(function (h) { return passes(meta.docs[h.doc], null); });
        var page = hits.slice(0, shown);
        return Promise.all(page.map(function (h) { return index.doc(h.doc); })).then(function (docs) {
          if (mine !== seq) return;
          list.textContent = "";
          page.forEach(function (h, i) { list.appendChild(resultItem(h, docs[i], last.terms, meta)); });
          status.textContent = hits.length ? fmt("search.count", hits.length) : label("search.none", "");
          more.hidden = hits.length <= shown;
          renderFacets(meta, last.hits);
        });
      }).catch(failed);
    }

    function failed(err) {
      if (window.console) console.error(err);
      loadLabels().then(function () {
        status.textContent = label("search.failed", "") + (location.protocol === "file:" ? " " + label("search.file", "") : "");
      });
    }

    function run() {
      var q = input.value.trim(), mine = ++seq;
      var url = new URL(location.href);
      if (q) url.searchParams.set("q", q); else url.searchParams.delete("q");
      try { history.replaceState(null, "", url); } catch (e) { /* file:// in some browsers */ }
      if (!q) { last = null; list.textContent = ""; facetsBox.textContent = ""; status.textContent = ""; more.hidden = true; return; }
      var t0 = performance.now();
      searched(q).then(function (r) {
        if (mine !== seq) return;
        box.setAttribute("data-search-ms", (performance.now() - t0).toFixed(1));
        last = r;
        shown = PAGE;
        show();
      }).catch(failed);
    }

    form.addEventListener("submit", function (e) { e.preventDefault(); run(); });
    input.addEventListener("input", debounce(run, 80));
    more.addEventListener("click", function () {
      shown += PAGE;
      var next = list.children.length;
      show();
      // Focus the first new result once it is there.
      var obs = new MutationObserver(function () {
        var a = list.children[next] && list.children[next].querySelector("a");
        if (a) { obs.disconnect(); a.focus(); }
      });
      obs.observe(list, { childList: true });
    });
    keyboard(input, list, null);
    var q = new URLSearchParams(location.search).get("q");
    if (q) { input.value = q; run(); }
  }

  /* The header box: a few results under the box, Enter opens the search page. */
  function headerBox(form) {
    var input = form.querySelector("input[type=search]"), panel = form.querySelector("[data-search-panel]");
    var list = panel.querySelector("ol"), status = form.querySelector("[data-search-status]");
    var all = panel.querySelector("[data-search-all]"), seq = 0, TOP = 6;
    function close() { panel.hidden = true; }
    function run() {
      var q = input.value.trim(), mine = ++seq;
      if (!q) { close(); return; }
      searched(q).then(function (r) {
        return index.ready().then(function (meta) {
          var top = r.hits.slice(0, TOP);
          return Promise.all(top.map(function (h) { return index.doc(h.doc); })).then(function (docs) {
            if (mine !== seq) return;
            list.textContent = "";
            top.forEach(function (h, i) { list.appendChild(resultItem(h, docs[i], r.terms, meta)); });
            status.textContent = r.hits.length ? fmt("search.count", r.hits.length) : label("search.none", "");
            if (!r.hits.length) list.appendChild(el("li", "search-empty", status.textContent));
            all.href = form.action + "?q=" + encodeURIComponent(q);
            all.hidden = r.hits.length <= TOP;
            panel.hidden = false;
          });
        });
      }).catch(function () { close(); });
    }
    input.addEventListener("input", debounce(run, 80));
    input.addEventListener("focus", function () { index.ready().catch(function () {}); loadLabels(); });
    keyboard(input, list, close);
    document.addEventListener("click", function (e) { if (!form.contains(e.target)) close(); });
    form.addEventListener("focusout", function (e) { if (!form.contains(e.relatedTarget)) close(); });
  }

  /** The header box, made from the header link: every page would otherwise
      carry the same hidden form. Its words come from search/labels.js. */
  function makeBox(link) {
    var form = el("form", "site-search"), input = el("input", "site-search__input");
    form.action = link.getAttribute("href");
    form.method = "get";
    form.setAttribute("role", "search");
    form.setAttribute("data-search-box", "");
    input.type = "search";
    input.name = "q";
    input.placeholder = label("search.placeholder", "");
    input.setAttribute("aria-label", label("search.label", link.textContent));
    input.autocomplete = "off";
    input.setAttribute("aria-controls", "site-search-panel");
    var status = el("p", "visually-hidden"), panel = el("div", "site-search__panel");
    status.setAttribute("data-search-status", "");
    status.setAttribute("aria-live", "polite");
    panel.id = "site-search-panel";
    panel.setAttribute("data-search-panel", "");
    panel.hidden = true;
    var all = el("a", "site-search__all", label("search.all", ""));
    all.setAttribute("data-search-all", "");
    all.hidden = true;
    panel.appendChild(el("ol", "search-results"));
    panel.appendChild(all);
    form.appendChild(input);
    form.appendChild(status);
    form.appendChild(panel);
    link.after(form);
    return form;
  }

  function boot() {
    var page = document.querySelector("[data-search-page]");
    var link = document.querySelector("[data-search-link]");
    var forms = document.querySelectorAll("form[data-search-box]");
    // A theme may write its own box; else one is made from the link.
    if (!page && !forms.length && link) {
      loadLabels().then(function () {
        link.hidden = true;
        headerBox(makeBox(link));
      });
    }
    forms.forEach(function (form) {
      if (page) return; // the page has its own box
      form.hidden = false;
      if (link) link.hidden = true;
      headerBox(form);
    });
    if (page) {
      page.querySelector("[data-search-js]").hidden = false;
      searchPage(page);
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
  else boot();
})();
