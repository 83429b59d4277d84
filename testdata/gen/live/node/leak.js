// leak.js: a small Node process for the end-to-end tests of memsee capture and watch over the
// inspector (cmd/memsee/live_test.go). Every tick keeps a new Session in the module's
// `sessions` array, never trimmed: an incremental leak. Argument 1 is a number of small
// objects kept from the start (a heap to measure captures against; default 0). A tick that
// comes more than 50 ms late says so on stderr ("paused 120 ms"): how long a capture stopped
// the program.
//
//   node --inspect=127.0.0.1:0 testdata/gen/live/node/leak.js 1000000
//   memsee capture node://127.0.0.1:<port from "Debugger listening on ws://...">
'use strict';

class Session {
  constructor(id) {
    this.id = id;
    this.data = 'x'.repeat(1024) + id;
  }
}

class Item {
  constructor(n, next) {
    this.n = n;
    this.next = next;
  }
}

const sessions = [];
let items = null;
const n = Number(process.argv[2] || 0);
for (let i = 0; i < n; i++) items = new Item(i, items);
module.exports = { items }; // kept alive by the module, as sessions is

let id = 0;
let last = Date.now();
setInterval(() => {
  for (let i = 0; i < 16; i++) sessions.push(new Session(id++));
  const late = Date.now() - last - 10;
  if (late > 50) console.error('paused ' + late + ' ms');
  last = Date.now();
}, 10);
console.log('ready ' + process.pid + ' ' + (items ? items.n + 1 : 0));
