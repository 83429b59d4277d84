// big.js writes one large, real V8 heap snapshot for `make bench`: a service-shaped heap of
// records (objects with strings, arrays and nested objects), a session Map, a listener list and
// a linked chain, so that the snapshot has millions of nodes.
//
//   node testdata/gen/node/big.js --records 500000 --out bench/.data/v8-big.heapsnapshot
//
// --nodes N asks for about N nodes instead (make bench-large): a record and what it holds are
// about 10.3 nodes (947,267 nodes at 97,087 records, 10,524,292 at 1,023,500), and about 68 B
// of snapshot. Writing the snapshot, the process peaks at about 310 B per node (3.2 GB of RSS at
// 10.5M nodes); bench/large_test.go gives node the --max-old-space-size for its size.
'use strict';
const v8 = require('v8');

function arg(name, dflt) {
  const i = process.argv.indexOf('--' + name);
  return i >= 0 ? process.argv[i + 1] : dflt;
}
const nodesPerRecord = 10.3;
const records = process.argv.includes('--nodes')
  ? Math.round(Number(arg('nodes')) / nodesPerRecord)
  : Number(arg('records', '500000'));
const out = arg('out', 'big.heapsnapshot');

class Record {
  constructor(i) {
    this.id = i;
    this.name = 'record-' + i;
    this.tags = ['t' + (i % 97), 't' + (i % 89)];
    this.meta = { owner: 'user-' + (i % 1000), score: i * 0.5 };
  }
}
class Session {
  constructor(id) { this.id = id; this.items = []; this.created = new Date(); }
}
class Link { constructor(next, v) { this.next = next; this.v = v; } }

const table = [];
for (let i = 0; i < records; i++) table.push(new Record(i));
const sessions = new Map();
for (let i = 0; i < records / 20; i++) {
  const s = new Session('s-' + i);
  for (let j = 0; j < 5; j++) s.items.push(table[(i * 5 + j) % records]);
  sessions.set(s.id, s);
}
const listeners = [];
for (let i = 0; i < records / 50; i++) {
  const captured = table[i];
  listeners.push(() => captured.id);
}
let chain = null;
for (let i = 0; i < 2000; i++) chain = new Link(chain, i);
globalThis.bigState = { table, sessions, listeners, chain };

const file = v8.writeHeapSnapshot(out);
console.log('wrote', file);
