/**
 * What a V8 heap snapshot of the daemon holds, grouped so that per-wallet costs stand out (a fleet's
 * 10,000 wallets make 10,000 of each): `node --max-old-space-size=8000 --import tsx bench/fleet/heap-groups.ts
 * Heap.*.heapsnapshot`. Take the snapshot as bench/fleet/README.md says (`--heapsnapshot-signal=SIGUSR2`).
 * Self sizes, not retained ones; a node's retainer is the first strong edge found to it. Prints:
 * - every node by type and constructor;
 * - plain objects by their property names (which literal made them, and where it is kept);
 * - concatenated strings at the top of their tree, by what keeps them, with one example's text;
 * - arrays of unboxed doubles (the packed series) by the property that holds them;
 * - closures by name, and hidden classes (maps) that only one object uses.
 */
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; edge_fields: string[]; node_types: [string[]]; edge_types: [string[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}
const snap = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as Snapshot;
const { meta } = snap.snapshot;
const [NF, EF] = [meta.node_fields.length, meta.edge_fields.length];
const [nT, nN, nS, nE] = ['type', 'name', 'self_size', 'edge_count'].map((f) => meta.node_fields.indexOf(f)) as [number, number, number, number];
const [eT, eN, eTo] = ['type', 'name_or_index', 'to_node'].map((f) => meta.edge_fields.indexOf(f)) as [number, number, number];
const { nodes: N, edges: E, strings: S } = snap;
const types = meta.node_types[0];
const etypes = meta.edge_types[0];
const count = N.length / NF;

const firstEdge = new Int32Array(count + 1);
for (let i = 0, e = 0; i < count; i++) [firstEdge[i], e] = [e, e + N[i * NF + nE]! * EF];
firstEdge[count] = E.length;
const type = (i: number): string => types[N[i * NF + nT]!]!;
const name = (i: number): string => S[N[i * NF + nN]!]!;
const size = (i: number): number => N[i * NF + nS]!;
const edgeName = (e: number): string => (['element', 'hidden'].includes(etypes[E[e + eT]!]!) ? `[${E[e + eN]}]` : S[E[e + eN]!]!);
const edgesOf = (i: number): Array<{ kind: string; name: string; to: number }> => {
  const out = [];
  for (let e = firstEdge[i]!; e < firstEdge[i + 1]!; e += EF) out.push({ kind: etypes[E[e + eT]!]!, name: edgeName(e), to: E[e + eTo]! / NF });
  return out;
};

const retainer = new Int32Array(count).fill(-1);
const retainerEdge = new Int32Array(count).fill(-1);
const mapUsers = new Int32Array(count);
for (let i = 0; i < count; i++) {
  for (let e = firstEdge[i]!; e < firstEdge[i + 1]!; e += EF) {
    const to = E[e + eTo]! / NF;
    const kind = etypes[E[e + eT]!]!;
    if (kind === 'weak' || kind === 'shortcut') continue;
    if (retainer[to] === -1) [retainer[to], retainerEdge[to]] = [i, e];
    if (kind === 'internal' && S[E[e + eN]!] === 'map') mapUsers[to] = mapUsers[to]! + 1;
  }
}
const keptBy = (i: number): string => (retainer[i]! < 0 ? '?' : `${type(retainer[i]!)}:${name(retainer[i]!).slice(0, 30)}.${edgeName(retainerEdge[i]!)}`);
const text = (i: number, depth = 0): string => {
  if (type(i) !== 'concatenated string' || depth > 40) return name(i);
  return edgesOf(i).filter((x) => x.name === 'first' || x.name === 'second').map((x) => text(x.to, depth + 1)).join('');
};
const props = (i: number): string => edgesOf(i).filter((x) => x.kind === 'property').map((x) => x.name).slice(0, 8).join(',');

function group(title: string, pick: (i: number) => boolean, key: (i: number) => string, example?: (i: number) => string, top = 25): void {
  const g = new Map<string, { n: number; bytes: number; example: string }>();
  for (let i = 0; i < count; i++) {
    if (!pick(i)) continue;
    const k = key(i);
    const v = g.get(k) ?? { n: 0, bytes: 0, example: example ? example(i).slice(0, 70) : '' };
    v.n++;
    v.bytes += size(i);
    g.set(k, v);
  }
  console.log(`--- ${title}`);
  for (const [k, v] of [...g].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, top)) {
    console.log(`${(v.bytes / 1048576).toFixed(2).padStart(7)} MiB ${String(v.n).padStart(8)}  ${k.slice(0, 100)}${v.example ? `  ${JSON.stringify(v.example)}` : ''}`);
  }
}

group('every node by type and constructor', () => true, (i) => (['object', 'closure', 'array', 'hidden', 'native'].includes(type(i)) ? `${type(i)}:${name(i)}` : type(i)), undefined, 40);
group('plain objects by property names, and what keeps the first', (i) => type(i) === 'object' && name(i) === 'Object', props, keptBy);
group('concatenated strings (tops of trees) by what keeps them', (i) => type(i) === 'concatenated string' && type(retainer[i]!) !== 'concatenated string', keptBy, text);
group('arrays of elements by what holds them', (i) => type(i) === 'array' && name(i) === '(object elements)', (i) => keptBy(retainer[i]!));
group('closures by name and holder', (i) => type(i) === 'closure', (i) => `${name(i)} <- ${keptBy(i)}`);
group('objects whose hidden class no other object uses', (i) => type(i) === 'object' && edgesOf(i).some((x) => x.name === 'map' && mapUsers[x.to] === 1), (i) => `${name(i)} {${props(i)}} <- ${keptBy(i)}`);
