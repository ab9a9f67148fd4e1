/**
 * bcrypt comparisons on a worker thread. bcryptjs is JavaScript: on the event loop it runs in 100 ms
 * slices, and each slice held every probe, poll and TLS handshake of the process (a flood of wrong
 * passwords over HTTPS let one handshake through per slice). The worker starts at the first comparison,
 * never keeps the process alive, and is started anew if it dies.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

const BCRYPTJS = createRequire(import.meta.url).resolve('bcryptjs');
const SOURCE = `
const { parentPort } = require('node:worker_threads');
const bcrypt = require(${JSON.stringify(BCRYPTJS)});
parentPort.on('message', ({ id, password, hash }) => {
  let ok = false;
  try { ok = bcrypt.compareSync(password, hash); } catch { ok = false; }
  parentPort.postMessage({ id, ok });
});`;

export class BcryptWorker {
  #worker: Worker | undefined;
  readonly #waiting = new Map<number, { resolve: (ok: boolean) => void; reject: (err: Error) => void }>();
  #seq = 0;

  /** Whether `password` matches the bcrypt `hash`; rejects only if the worker cannot run. */
  compare = (password: string, hash: string): Promise<boolean> =>
    new Promise((resolve, reject) => {
      const id = this.#seq++;
      this.#waiting.set(id, { resolve, reject });
      this.#started().postMessage({ id, password, hash });
    });

  #started(): Worker {
    if (this.#worker) return this.#worker;
    const w = new Worker(SOURCE, { eval: true });
    w.unref();
    w.on('message', ({ id, ok }: { id: number; ok: boolean }) => {
      this.#waiting.get(id)?.resolve(ok);
      this.#waiting.delete(id);
    });
    const failed = (err: Error) => {
      if (this.#worker !== w) return;
      this.#worker = undefined;
      for (const { reject } of this.#waiting.values()) reject(err);
      this.#waiting.clear();
    };
    w.on('error', failed);
    w.on('exit', (code) => failed(new Error(`the password-check worker exited (${code})`)));
    this.#worker = w;
    return w;
  }
}
