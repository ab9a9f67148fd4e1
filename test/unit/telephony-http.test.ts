/**
 * The axios instances shared per API base URL (src/telephony/http.ts) are held weakly: a URL no client uses
 * any more (a reload moved its wallets) leaves memory. A real forced garbage collection, in a child process
 * started with --expose-gc.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';

test('an instance no client holds is collected with its entry; one still held is shared, not made again', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ws-http-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const script = join(dir, 'churn.mts');
  writeFileSync(
    script,
    `import { sharedInstance, sharedInstances } from ${JSON.stringify(resolve('src/telephony/http.ts'))};
let held = Array.from({ length: 300 }, (_, i) => sharedInstance('http://127.0.0.1:' + (10000 + i), 1024));
const before = sharedInstances();
held = held.slice(0, 1); // a reload moved every other wallet to another URL
for (let k = 0; k < 100 && sharedInstances() > 1; k++) {
  globalThis.gc();
  await new Promise((r) => setTimeout(r, 10));
}
console.log(JSON.stringify({ before, after: sharedInstances(), shared: sharedInstance('http://127.0.0.1:10000', 1024) === held[0] }));
`,
  );
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', script], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { before: 300, after: 1, shared: true });
});
