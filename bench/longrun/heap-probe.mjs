// BENCH ONLY — preloaded into the daemon by bench/longrun (`node --expose-gc --import <this> dist/main.js start`);
// nothing in the product reads it. Every LONGRUN_PROBE_EVERY_MS of the process's own (possibly faked) clock it
// forces a full collection and appends one JSON line to LONGRUN_PROBE_FILE: the clock, heapUsed, heapTotal,
// external, arrayBuffers, rss, and the count of active handles/resources by type (timers, sockets, …).
import { appendFileSync } from 'node:fs';

const file = process.env.LONGRUN_PROBE_FILE;
const every = Number(process.env.LONGRUN_PROBE_EVERY_MS ?? 3_600_000);
if (!file) throw new Error('heap-probe: LONGRUN_PROBE_FILE is not set');
if (typeof globalThis.gc !== 'function') throw new Error('heap-probe needs node --expose-gc');
const probe = () => {
  globalThis.gc();
  const m = process.memoryUsage();
  const resources = {};
  for (const r of process.getActiveResourcesInfo()) resources[r] = (resources[r] ?? 0) + 1;
  appendFileSync(file, `${JSON.stringify({ t: Date.now(), heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers, rss: m.rss, resources })}\n`);
};
setInterval(probe, every).unref();
