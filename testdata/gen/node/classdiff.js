#!/usr/bin/env node
// classdiff.js computes, from two V8 heap snapshots of one process, the numbers of Chrome
// DevTools' Summary and Comparison views per class, independently of memsee: it reads each
// file whole with JSON.parse (gzip'd or not) and writes JSON.
//
//   node testdata/gen/node/classdiff.js BASE.heapsnapshot[.gz] CURRENT.heapsnapshot[.gz] [-o OUT.json]
//
// The rules, as DevTools' heap_snapshot_worker/HeapSnapshot.ts has them:
//
//   - Class name (calculateObjectNames): hidden -> "(system)"; object and native -> the node's
//     name, where a name that starts with "<" (or "Detached <") and has a space is cut there
//     and closed with ">" ('<div id="a">' -> "<div>"); code -> "(compiled code)"; closure ->
//     "Function"; regexp -> "RegExp"; any other type t -> "(" + t + ")".
//     Not followed: the newer DevTools renaming of plain "Object"s after their property names
//     ("{a, b}", inferInterfaceDefinitions), and the "Detached " prefix DevTools adds to DOM
//     nodes it finds detached (Node.js has no DOM).
//   - Class key (classKeyInternal): for nodes of type object that have an entry in the
//     snapshot's `locations` (their constructor's script position),
//     "scriptId,line,column,className", so that two constructors of the same name are two
//     rows; for every other node, "," + className (classKeyFromClassKeyInternal).
//   - Nodes counted (buildAggregates): every node, the root included, whose self_size is not
//     0. Nodes with self_size 0 are skipped whatever their type (synthetic roots, most native
//     groups). Older DevTools kept native nodes of size 0; the current one does not, and
//     neither does this script.
//   - Comparison (calculateSnapshotDiff, calculateDiffForClass), per class key: the node ids
//     of the key in the base and in the current snapshot, each sorted, are merged; an id only
//     in the current one is "# New" (and its self_size adds to "Alloc. Size"), an id only in
//     the base is "# Deleted" (its self_size adds to "Freed Size"); "# Delta" = new - deleted,
//     "Size Delta" = alloc - freed. Keys with neither new nor deleted nodes are not rows in
//     DevTools; here they are kept, with their counts, so that every class is listed.
//
// Besides DevTools' counts, each row has nodes_base and nodes: every node of the class in each
// snapshot, self_size 0 included, which is what a reader that emits every node finds.
'use strict';

const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

function load(file) {
  let buf = fs.readFileSync(file);
  if (buf[0] === 0x1f && buf[1] === 0x8b) buf = zlib.gunzipSync(buf);
  return JSON.parse(buf.toString('utf8'));
}

function className(type, name) {
  switch (type) {
    case 'hidden':
      return '(system)';
    case 'object':
    case 'native': {
      if (name.startsWith('<')) {
        const sp = name.indexOf(' ');
        return sp === -1 ? name : name.substring(0, sp) + '>';
      }
      if (name.startsWith('Detached <')) {
        const sp = name.indexOf(' ', 10);
        return sp === -1 ? name : name.substring(0, sp) + '>';
      }
      return name;
    }
    case 'code':
      return '(compiled code)';
    case 'closure':
      return 'Function';
    case 'regexp':
      return 'RegExp';
    default:
      return '(' + type + ')';
  }
}

// classes returns a Map from class key to {name, ids (of nodes with self_size > 0, sorted),
// sizes (by id), nodes (all of them), self}.
function classes(snap) {
  const meta = snap.snapshot.meta;
  const nf = meta.node_fields.length;
  const typeAt = meta.node_fields.indexOf('type');
  const nameAt = meta.node_fields.indexOf('name');
  const idAt = meta.node_fields.indexOf('id');
  const sizeAt = meta.node_fields.indexOf('self_size');
  const types = meta.node_types[0];
  const nodes = snap.nodes;
  const strings = snap.strings;
  if (nodes.length / nf !== snap.snapshot.node_count) throw new Error('node_count does not match nodes');

  const loc = new Map(); // node index -> "scriptId,line,column"
  const lf = meta.location_fields || [];
  if (snap.locations && lf.length) {
    const oi = lf.indexOf('object_index'), si = lf.indexOf('script_id');
    const li = lf.indexOf('line'), ci = lf.indexOf('column');
    for (let i = 0; i < snap.locations.length; i += lf.length) {
      const l = snap.locations;
      loc.set(l[i + oi], `${l[i + si]},${l[i + li]},${l[i + ci]}`);
    }
  }

  const out = new Map();
  for (let i = 0; i < nodes.length; i += nf) {
    const type = types[nodes[i + typeAt]];
    const name = className(type, strings[nodes[i + nameAt]]);
    const where = type === 'object' ? loc.get(i) : undefined;
    const key = where !== undefined ? `${where},${name}` : ',' + name;
    let c = out.get(key);
    if (!c) {
      c = { name, ids: [], sizes: new Map(), nodes: 0, self: 0 };
      out.set(key, c);
    }
    c.nodes++;
    const size = nodes[i + sizeAt];
    if (size === 0) continue;
    const id = nodes[i + idAt];
    c.ids.push(id);
    c.sizes.set(id, size);
    c.self += size;
  }
  for (const c of out.values()) c.ids.sort((a, b) => a - b);
  return out;
}

const empty = { name: '', ids: [], sizes: new Map(), nodes: 0, self: 0 };

// diff merges the sorted id lists of one class key, as calculateDiffForClass does.
function diff(base, cur) {
  const d = { new: 0, deleted: 0, alloc_size: 0, freed_size: 0 };
  let i = 0, j = 0;
  while (i < base.ids.length && j < cur.ids.length) {
    const a = base.ids[i], b = cur.ids[j];
    if (a < b) {
      d.deleted++;
      d.freed_size += base.sizes.get(a);
      i++;
    } else if (a > b) {
      d.new++;
      d.alloc_size += cur.sizes.get(b);
      j++;
    } else {
      i++;
      j++;
    }
  }
  for (; i < base.ids.length; i++) {
    d.deleted++;
    d.freed_size += base.sizes.get(base.ids[i]);
  }
  for (; j < cur.ids.length; j++) {
    d.new++;
    d.alloc_size += cur.sizes.get(cur.ids[j]);
  }
  return d;
}

// args reads FILE... [-o OUT.json]: want files, or prints usage and exits 2.
function args(argv, want, usage) {
  let out = null;
  const files = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '-o') out = argv[++i];
    else files.push(argv[i]);
  }
  if (files.length !== want) {
    console.error('usage: ' + usage);
    process.exit(2);
  }
  return { files, out };
}

// write writes result as JSON to out, or to stdout.
function write(result, out) {
  const text = JSON.stringify(result, null, 1) + '\n';
  if (out) fs.writeFileSync(out, text);
  else process.stdout.write(text);
}

function main(argv) {
  const { files, out } = args(argv, 2, 'node classdiff.js BASE CURRENT [-o OUT.json]');
  const [baseSnap, curSnap] = files.map(load);
  const base = classes(baseSnap), cur = classes(curSnap);
  const keys = [...new Set([...base.keys(), ...cur.keys()])].sort();
  const rows = keys.map(key => {
    const b = base.get(key) || empty, c = cur.get(key) || empty;
    const d = diff(b, c);
    return {
      class: (cur.get(key) || b).name,
      key,
      count_base: b.ids.length,
      self_size_base: b.self,
      count: c.ids.length,
      self_size: c.self,
      new: d.new,
      deleted: d.deleted,
      delta: d.new - d.deleted,
      alloc_size: d.alloc_size,
      freed_size: d.freed_size,
      size_delta: d.alloc_size - d.freed_size,
      nodes_base: b.nodes,
      nodes: c.nodes,
    };
  });
  const result = {
    tool: 'testdata/gen/node/classdiff.js',
    node: process.version,
    base: { file: path.basename(files[0]), node_count: baseSnap.snapshot.node_count, edge_count: baseSnap.snapshot.edge_count },
    current: { file: path.basename(files[1]), node_count: curSnap.snapshot.node_count, edge_count: curSnap.snapshot.edge_count },
    classes: rows,
  };
  write(result, out);
}

if (require.main === module) main(process.argv.slice(2));

module.exports = { load, className, args, write };
