/**
 * The list of kinds and the job runner: histories are generated and scored in worker threads (2 by
 * default), each job by name so only a few numbers cross threads. Results come back in job order, so the
 * output does not depend on the number of workers.
 */
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import { history, type Kind, type Part } from './corpus.js';
import { HELDOUT_KINDS } from './heldout.js';
import { ISSUE_KINDS } from './kinds.js';
import { BURSTY_KINDS } from './kinds-bursty.js';
import { WALLET_KINDS } from './kinds-wallets.js';
import { benchConfig } from './ours.js';
import { runHistory, type HistoryResult } from './run.js';

/** Resolved here, so the worker finds tsx whatever the current directory. */
const TSX_API = import.meta.resolve('tsx/esm/api');

export const KINDS: readonly Kind[] = [...ISSUE_KINDS, ...WALLET_KINDS, ...BURSTY_KINDS, ...HELDOUT_KINDS];

export interface Job {
  kind: string;
  part: Part;
  seed: number;
  shiftHours: number;
}

export function runJob(job: Job): HistoryResult {
  const kind = KINDS.find((k) => k.name === job.kind);
  if (!kind) throw new Error(`no kind ${job.kind}`);
  return runHistory(history(kind, job.part, job.seed, job.shiftHours), benchConfig());
}

export async function runParallel(jobs: readonly Job[], workers: number): Promise<HistoryResult[]> {
  if (workers <= 1 || jobs.length <= 1) return jobs.map(runJob);
  const results = new Array<HistoryResult>(jobs.length);
  const running: Worker[] = [];
  let next = 0;
  const one = () =>
    new Promise<void>((resolve, reject) => {
      // tsx's loader is per thread: register it in the worker before it loads this (TypeScript) file.
      const w = new Worker(`import(${JSON.stringify(TSX_API)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(import.meta.url)}); });`, { eval: true });
      running.push(w);
      const feed = () => {
        if (next >= jobs.length) {
          void w.terminate().then(() => resolve());
          return;
        }
        const i = next++;
        w.postMessage({ i, job: jobs[i] });
      };
      w.on('message', (m: { i: number; result: HistoryResult }) => {
        results[m.i] = m.result;
        feed();
      });
      w.on('error', reject);
      feed();
    });
  try {
    await Promise.all(Array.from({ length: Math.min(workers, jobs.length) }, one));
  } catch (err) {
    // one job failed: stop the other workers too, or they keep the process alive
    await Promise.all(running.map((w) => w.terminate()));
    throw err;
  }
  return results;
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  port.on('message', (m: { i: number; job: Job }) => port.postMessage({ i: m.i, result: runJob(m.job) }));
}
