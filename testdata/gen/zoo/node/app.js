// app.js is the Node.js leak zoo: a small shop service in which every leak a Node programmer
// commonly writes runs at once, each in its own part of the service with its own variable. It
// takes three heap snapshots of itself: after a warm-up that leaks nothing, then after the
// price table is loaded and --requests requests ran, then after --requests more.
//
//   node --expose-gc app.js --out DIR                # leak1..3.heapsnapshot
//   node --expose-gc app.js --out DIR --churn-only   # churn1..3: the same work, no leak
//
// gen.sh (beside it) runs it from a temporary directory with an empty environment and gzips
// the snapshots; testdata/zoo/node/README.md lists the patterns and what memsee must say.
'use strict';

const { EventEmitter } = require('events');
const path = require('path');
const v8 = require('v8');

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const OUT = opt('--out', '.');
const REQUESTS = Number(opt('--requests', '100'));
const WARMUP = Number(opt('--warmup', '50'));
const PRODUCTS = Number(opt('--products', '500'));
const CHURN_ONLY = args.includes('--churn-only');

// leaking turns on after the first snapshot: the warm-up runs every code path and keeps nothing.
let leaking = false;

// A page of text of about n characters that says which request it belongs to, as a rendered
// template or a request body would be.
function filler(tag, n) {
  const line = `${tag}: lorem ipsum dolor sit amet, consectetur adipiscing elit; `;
  return new Array(Math.ceil(n / line.length)).fill(line).join('');
}

// ---- Pricing: a table loaded once and kept (the static leak) ----

class Product {
  constructor(sku, name, price) {
    this.sku = sku;
    this.name = name;
    this.price = price;
    this.description = filler(sku, 400);
  }
}

function loadPriceTable() {
  globalThis.priceTable = new Map();
  for (let i = 0; i < PRODUCTS; i++) {
    const sku = 'SKU-' + String(i).padStart(6, '0');
    globalThis.priceTable.set(sku, new Product(sku, 'product ' + i, 100 + i));
  }
}

function priceOf(sku) {
  const p = globalThis.priceTable && globalThis.priceTable.get(sku);
  return p ? p.price : 100;
}

// ---- Orders: a listener per order on the event bus, never removed ----

const bus = new EventEmitter();
bus.setMaxListeners(0);

class Order {
  constructor(id, user, lines) {
    this.id = id;
    this.user = user;
    this.lines = lines;
    this.receipt = filler('order ' + id, 2500);
  }
}

function placeOrder(id, user) {
  const lines = [{ sku: 'SKU-' + String(id % PRODUCTS).padStart(6, '0'), qty: 1 + (id % 3) }];
  const order = new Order(id, user, lines);
  // Tell the customer when an item of the order is back in stock.
  const onRestock = sku => {
    if (order.lines.some(l => l.sku === sku)) order.notified = true;
  };
  bus.on('restock', onRestock);
  if (!leaking) bus.off('restock', onRestock); // the fix: forget the order once it is placed
  return order;
}

// ---- Sessions: a keep-alive timer per session, never cleared ----

class Session {
  constructor(id, user) {
    this.id = id;
    this.user = user;
    this.lastSeen = 0;
    this.profile = filler('session ' + id, 2500);
  }
}

function openSession(id, user) {
  const session = new Session(id, user);
  const keepAlive = setInterval(() => {
    session.lastSeen = Date.now();
  }, 60 * 60 * 1000);
  if (!leaking) clearInterval(keepAlive); // the fix: clear it when the session ends
  return session;
}

// ---- Subscriptions: a module-scope Map that only grows ----

const subscriptions = new Map();

class Subscription {
  constructor(id, user, topic) {
    this.id = id;
    this.user = user;
    this.topic = topic;
    this.filter = filler('subscription ' + id, 2500);
  }
}

function subscribe(id, user) {
  const key = `${user}/${id}`;
  subscriptions.set(key, new Subscription(id, user, 'price-drop'));
  if (!leaking) subscriptions.delete(key); // the fix: unsubscribe when the client goes away
}

// ---- Audit: an array kept in a closure, never trimmed ----

class AuditEntry {
  constructor(id, user, action) {
    this.id = id;
    this.user = user;
    this.action = action;
    this.detail = filler('audit ' + id, 2500);
  }
}

function makeAuditLog() {
  const entries = [];
  return function recordAudit(id, user, action) {
    entries.push(new AuditEntry(id, user, action));
    if (!leaking) entries.length = 0; // the fix: ship the entries and forget them
  };
}

const recordAudit = makeAuditLog();

// ---- Catalog: a tree whose replaced nodes a cache keeps ----

class CatalogNode {
  constructor(id, title, parent) {
    this.id = id;
    this.title = title;
    this.parent = parent;
    this.children = [];
    this.html = filler('category ' + id, 1200);
  }
}

const nodeById = {};
const catalog = new CatalogNode('root', 'All products', null);
let nextNode = 0;

function addNode(title, parent) {
  const node = new CatalogNode('n' + nextNode++, title, parent);
  parent.children.push(node);
  nodeById[node.id] = node;
  return node;
}

// refreshCategory rebuilds category k of the catalog: the old category and its children leave
// the tree, and new ones take their place.
function refreshCategory(k) {
  const old = catalog.children[k];
  if (old) {
    catalog.children.splice(k, 1);
    if (!leaking) {
      // the fix: forget the detached nodes
      for (const c of old.children) delete nodeById[c.id];
      delete nodeById[old.id];
    }
  }
  const fresh = addNode('category ' + k, catalog);
  addNode('new in ' + k, fresh);
}

// ---- The service ----

const USERS = Array.from({ length: 50 }, (_, i) => `user-${i}`);
let requestId = 0;

function handleRequest() {
  const id = ++requestId;
  const user = USERS[id % USERS.length];
  const order = placeOrder(id, user);
  openSession(id, user);
  subscribe(id, user);
  recordAudit(id, user, 'checkout');
  refreshCategory(id % 8);
  // Churn: a response that is garbage once sent.
  const body = JSON.stringify({ order: order.id, total: priceOf(order.lines[0].sku) * order.lines[0].qty });
  return body.length;
}

function snapshot(name) {
  global.gc();
  v8.writeHeapSnapshot(path.join(OUT, name + '.heapsnapshot'));
}

function main() {
  if (typeof global.gc !== 'function') throw new Error('run with --expose-gc');
  const prefix = CHURN_ONLY ? 'churn' : 'leak';
  if (CHURN_ONLY) loadPriceTable(); // the same table, loaded before anything is measured
  for (let i = 0; i < WARMUP; i++) handleRequest();
  snapshot(prefix + '1');
  leaking = !CHURN_ONLY;
  if (!CHURN_ONLY) loadPriceTable();
  for (let i = 0; i < REQUESTS; i++) handleRequest();
  snapshot(prefix + '2');
  for (let i = 0; i < REQUESTS; i++) handleRequest();
  snapshot(prefix + '3');
  process.exit(0); // the keep-alive timers would keep the process up
}

main();
