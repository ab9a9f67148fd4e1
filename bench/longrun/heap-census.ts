/**
 * bench:longrun: a census of a V8 heap snapshot (written by the daemon on SIGUSR2, `--heapsnapshot-signal`):
 * how many distinct alert ids (`<wallet>/<alertname>/<suffix>`) and wallet names are still held as strings, and
 * the object counts per constructor, so two snapshots days apart show what keeps growing.
 */
import { readFileSync } from 'node:fs';

export interface Census {
  alertIds: number;
  objects: Map<string, number>;
}

export function census(file: string, idPattern: RegExp): Census {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as { snapshot: { meta: { node_fields: string[]; node_types: [string[]] } }; nodes: number[]; strings: string[] };
  const f = snap.snapshot.meta.node_fields;
  const width = f.length;
  const typeAt = f.indexOf('type');
  const nameAt = f.indexOf('name');
  const types = snap.snapshot.meta.node_types[0];
  const ids = new Set<string>();
  const objects = new Map<string, number>();
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + typeAt]!];
    const name = snap.strings[snap.nodes[i + nameAt]!]!;
    if (type === 'string' || type === 'concatenated string' || type === 'sliced string') {
      if (idPattern.test(name)) ids.add(name);
    } else if (type === 'object') objects.set(name, (objects.get(name) ?? 0) + 1);
  }
  return { alertIds: ids.size, objects };
}

/** The constructors whose count grew most from `a` to `b`. */
export function grown(a: Census, b: Census, top = 12): string[] {
  return [...b.objects]
    .map(([name, nb]) => [name, nb - (a.objects.get(name) ?? 0), nb] as const)
    .filter(([, d]) => d > 0)
    .sort((x, y) => y[1] - x[1])
    .slice(0, top)
    .map(([name, d, nb]) => `${name} +${d} (${nb})`);
}
