#!/usr/bin/env node
// gen.js writes memsee's Node.js test snapshots: a series of V8 heap snapshots of one small
// "shop" service process, with leaks planted in it, taken with v8.writeHeapSnapshot after a
// full GC and gzip'd.
//
//   node testdata/gen/node/gen.js --out testdata/node                      # heap1..4
//   node testdata/gen/node/gen.js --out testdata/node --churn-only         # churn1..4
//
// What the service keeps, per snapshot k (1-based), when it leaks:
//
//   - a static leak: globalThis.priceTable, a Map of SKU -> Product (--products of them),
//     loaded once just before snapshot 2 and never emptied;
//   - an incremental leak through a closure: auditRequest, a 'request' listener on the
//     process object, keeps every request's AuditEntry in the array `entries` of its
//     closure context: --requests more of them before each snapshot;
//   - a WeakMap: the same closure maps every tenth AuditEntry to a RequestMeta in
//     `metaByEntry`, which lives as long as its key, so it grows with the entries (one in ten:
//     each WeakMap entry costs two long edge names in the snapshot, and the files are
//     committed); and handleRequest maps each Cart to its total in the module's `cartTotals`,
//     whose keys die with the request;
//   - churn: every request builds a Cart of CartItems and a response string, all garbage when
//     it returns.
//
// --churn-only runs the same requests with no listener and no price table: the control series.
//
// The series runs in a child process started with --expose-gc, so that global.gc() runs a
// full collection before each snapshot, and whose heap holds no path of this machine (see
// parent); the parent gzips the snapshots (zlib stays out of the child's heap) and writes
// <prefix>.planted.json, what was planted in each snapshot, for the tests to check the reader
// against.
'use strict';

const fs = require('fs');
const path = require('path');

const usage = `usage: node gen.js [--out DIR] [--prefix NAME] [--snapshots N] [--requests N]
       [--products N] [--churn-only] [--no-gzip]`;

function parseArgs(argv) {
  const o = {
    out: '.',
    prefix: '',
    snapshots: 4,
    requests: 1000,
    products: 1000,
    churnOnly: false,
    gzip: true,
    child: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value\n${usage}`);
      return argv[++i];
    };
    const count = () => {
      const v = Number(next());
      if (!Number.isInteger(v) || v < 0) throw new Error(`${a} wants a whole number\n${usage}`);
      return v;
    };
    switch (a) {
      case '--out': o.out = next(); break;
      case '--prefix': o.prefix = next(); break;
      case '--snapshots': o.snapshots = count(); break;
      case '--requests': o.requests = count(); break;
      case '--products': o.products = count(); break;
      case '--churn-only': o.churnOnly = true; break;
      case '--no-gzip': o.gzip = false; break;
      case '--child': o.child = true; break;
      case '-h': case '--help': console.log(usage); process.exit(0); break;
      default: throw new Error(`unknown argument ${a}\n${usage}`);
    }
  }
  if (o.prefix === '') o.prefix = o.churnOnly ? 'churn' : 'heap';
  if (o.snapshots < 1) throw new Error('--snapshots must be at least 1');
  return o;
}

// ---- The service (runs in the child) ----

class Product {
  constructor(sku, name, price, tags) {
    this.sku = sku;
    this.name = name;
    this.price = price;
    this.tags = tags;
  }
}

class AuditEntry {
  constructor(requestId, path, user) {
    this.requestId = requestId;
    this.path = path;
    this.user = user;
  }
}

class RequestMeta {
  constructor(requestId, items) {
    this.requestId = requestId;
    this.items = items;
  }
}

class Cart {
  constructor(id, items) {
    this.id = id;
    this.items = items;
  }
}

class CartItem {
  constructor(sku, qty) {
    this.sku = sku;
    this.qty = qty;
  }
}

const TIER_TAGS = [['catalog', 'tier-0'], ['catalog', 'tier-1'], ['catalog', 'tier-2']];
const META_EVERY = 10;
const USERS = Array.from({ length: 97 }, (_, i) => `user-${i}`);

function skuOf(i) {
  return 'SKU-' + String(i).padStart(6, '0');
}

// The static leak: filled once, never emptied.
function loadPriceTable(n) {
  globalThis.priceTable = new Map();
  for (let i = 0; i < n; i++) {
    const sku = skuOf(i);
    globalThis.priceTable.set(sku, new Product(sku, 'product ' + sku, i * 100, TIER_TAGS[i % 3]));
  }
}

// The incremental leak: a listener whose closure keeps every request.
function makeAuditListener() {
  const entries = []; // one AuditEntry per request, never trimmed
  const metaByEntry = new WeakMap(); // every tenth AuditEntry -> RequestMeta, alive while the entry is
  let metas = 0;
  function auditRequest(req) {
    const entry = new AuditEntry(req.id, req.path, req.user);
    entries.push(entry);
    if (req.id % META_EVERY === 0) {
      metaByEntry.set(entry, new RequestMeta(req.id, req.cart.items.length));
      metas++;
    }
  }
  auditRequest.counts = () => ({ entries: entries.length, metas });
  return auditRequest;
}

// Cart -> total; the carts die with their requests, and so do these entries.
const cartTotals = new WeakMap();

function handleRequest(id) {
  const items = [];
  for (let k = 0; k < 3; k++) items.push(new CartItem(skuOf((id * 7 + k) % 5000), 1 + k));
  const cart = new Cart(id, items);
  cartTotals.set(cart, items.reduce((n, it) => n + it.qty, 0));
  const req = { id, path: '/checkout', user: USERS[id % USERS.length], cart };
  process.emit('request', req);
  const body = items.map((it, k) => `line ${k} of response ${id}: ${it.sku} x${it.qty}`).join('\n');
  return body.length;
}

function child(o) {
  if (typeof global.gc !== 'function') throw new Error('the child needs --expose-gc');
  const v8 = require('v8');
  let audit = null;
  if (!o.churnOnly) {
    audit = makeAuditListener();
    process.on('request', audit);
  }
  const planted = [];
  let id = 0;
  for (let snap = 1; snap <= o.snapshots; snap++) {
    if (snap === 2 && !o.churnOnly) loadPriceTable(o.products);
    let bytes = 0;
    for (let r = 0; r < o.requests; r++) bytes += handleRequest(++id);
    global.gc();
    v8.writeHeapSnapshot(`/dev/fd/${2 + snap}`); // a file the parent opened, see parent
    const kept = audit ? audit.counts() : { entries: 0, metas: 0 };
    planted.push({
      requests: id,
      response_bytes: bytes,
      Product: globalThis.priceTable ? globalThis.priceTable.size : 0,
      AuditEntry: kept.entries,
      RequestMeta: kept.metas,
    });
  }
  process.stdout.write(JSON.stringify(planted));
}

// ---- The parent ----

// parent runs the series in a child and keeps what it writes. The child's heap must not hold
// paths of this machine, which would end up in committed files: it gets its code with -e (it
// is the module "[eval]", not this file), runs in / with HOME=/, and writes snapshot k to
// /dev/fd/(2+k), a file this process opened for it.
function parent(o) {
  const { spawnSync } = require('child_process');
  const zlib = require('zlib');
  fs.mkdirSync(o.out, { recursive: true });
  const args = ['--expose-gc', '-e', fs.readFileSync(__filename, 'utf8'), '--', '--child',
    '--snapshots', String(o.snapshots), '--requests', String(o.requests), '--products', String(o.products)];
  if (o.churnOnly) args.push('--churn-only');
  const raw = [];
  const stdio = ['ignore', 'pipe', 'inherit'];
  for (let k = 1; k <= o.snapshots; k++) {
    raw.push(path.join(o.out, `${o.prefix}${k}.heapsnapshot`));
    stdio.push(fs.openSync(raw[k - 1], 'w'));
  }
  const res = spawnSync(process.execPath, args, {
    cwd: '/',
    env: { HOME: '/' },
    stdio,
  });
  stdio.slice(3).forEach(fd => fs.closeSync(fd));
  if (res.error) throw res.error;
  if (res.status !== 0) throw new Error(`the child failed (${res.signal || res.status})`);
  const planted = JSON.parse(res.stdout.toString());
  planted.forEach((p, i) => {
    p.file = path.basename(raw[i]);
    if (o.gzip) {
      fs.writeFileSync(raw[i] + '.gz', zlib.gzipSync(fs.readFileSync(raw[i]), { level: 9 }));
      fs.unlinkSync(raw[i]);
      p.file += '.gz';
    }
    console.log('wrote', path.join(o.out, p.file));
  });
  const manifest = {
    node: process.version,
    command: ['node testdata/gen/node/gen.js', ...process.argv.slice(2).filter(a => a !== '--out' && a !== o.out)].join(' '),
    requests_per_snapshot: o.requests,
    products: o.churnOnly ? 0 : o.products,
    leak: !o.churnOnly,
    snapshots: planted.map(({ file, ...rest }) => ({ file, ...rest })),
  };
  fs.writeFileSync(path.join(o.out, `${o.prefix}.planted.json`), JSON.stringify(manifest, null, 2) + '\n');
}

function main() {
  let o;
  try {
    // The child runs this code with -e: its arguments start right after the node binary.
    o = parseArgs(process.argv.slice(process.argv[1] === __filename ? 2 : 1));
  } catch (e) {
    console.error(`gen.js: ${e.message}`);
    process.exit(2);
  }
  if (o.child) child(o);
  else parent(o);
}

main();
