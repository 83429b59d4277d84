#!/usr/bin/env node
// candidates.js computes memlab's leak candidates from three V8 heap snapshots of one process,
// independently of memsee: the nodes of FINAL whose id is in TARGET and not in BASELINE
// (allocated between the two and still alive), counted by class name with their self sizes.
// It reads each file whole with JSON.parse, names classes as classdiff.js does (DevTools'
// rules), and counts every node, self_size 0 included, as memsee's reader emits every node.
// memlab then filters the candidates further (by its leak filters); the set itself is this.
//
//   node testdata/gen/node/candidates.js BASELINE TARGET FINAL [-o OUT.json]
'use strict';

const path = require('path');
const { load, className, args, write } = require('./classdiff.js');

function ids(snap) {
  const meta = snap.snapshot.meta;
  const nf = meta.node_fields.length;
  const idAt = meta.node_fields.indexOf('id');
  const out = new Set();
  for (let i = 0; i < snap.nodes.length; i += nf) out.add(snap.nodes[i + idAt]);
  return out;
}

function main(argv) {
  const { files, out } = args(argv, 3, 'node candidates.js BASELINE TARGET FINAL [-o OUT.json]');
  const [baseline, target, final] = files.map(load);
  const before = ids(baseline), during = ids(target);
  const meta = final.snapshot.meta;
  const nf = meta.node_fields.length;
  const at = name => meta.node_fields.indexOf(name);
  const typeAt = at('type'), nameAt = at('name'), idAt = at('id'), sizeAt = at('self_size');
  const types = meta.node_types[0];
  const byClass = new Map();
  for (let i = 0; i < final.nodes.length; i += nf) {
    const id = final.nodes[i + idAt];
    if (!during.has(id) || before.has(id)) continue;
    const name = className(types[final.nodes[i + typeAt]], final.strings[final.nodes[i + nameAt]]);
    const c = byClass.get(name) || { class: name, count: 0, self_size: 0 };
    c.count++;
    c.self_size += final.nodes[i + sizeAt];
    byClass.set(name, c);
  }
  const result = {
    tool: 'testdata/gen/node/candidates.js',
    node: process.version,
    baseline: path.basename(files[0]),
    target: path.basename(files[1]),
    final: path.basename(files[2]),
    classes: [...byClass.values()].sort((a, b) => b.self_size - a.self_size || a.class.localeCompare(b.class)),
  };
  write(result, out);
}

main(process.argv.slice(2));
