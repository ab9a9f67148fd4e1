/**
 * `npm run bench:status-owed`: `/api/status` while every wallet fires and every delivery is owed (the one
 * webhook refuses connections). Prints figures; asserts nothing.
 *
 *   npm run bench:status-owed                  2,000 wallets, each firing low_balance, 2,000 owed deliveries
 *   npm run bench:status-owed -- --wallets 500
 *
 * Times three requests one after another, then 20 in parallel with a /healthz among them (the liveness
 * probe must not wait for the status documents).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fleetSpecs, type FleetOptions } from '../../src/simulator/fleet.js';
import { writeWalletsFile } from '../../src/simulator/wallets-file.js';
import { Child, freePort, httpGet, ROOT, startSimulator, until } from '../fleet/procs.js';

const { values: f } = parseArgs({ options: { wallets: { type: 'string', default: '2000' } } });
const N = Number(f.wallets);
const log = (s: string) => process.stderr.write(`[bench:status-owed ${new Date().toISOString().slice(11, 19)}] ${s}\n`);

/** A GET on its own connection: 20 parallel requests must not queue in the client. */
const get = (url: string) => httpGet(url, 120_000, {}, true);

const tmp = mkdtempSync(join(tmpdir(), 'ws-bench-owed-'));
const stateDir = join(tmp, 'state');
mkdirSync(stateDir);
const fleet: FleetOptions = { count: N, balance: 50, burnPerHour: 60, spread: 0.5, nameTemplate: 'w-{i}' };
writeFileSync(join(tmp, 'spec.json'), JSON.stringify({ fleet }));
const sim = await startSimulator(['--spec', join(tmp, 'spec.json')]);
const walletsFile = join(tmp, 'wallets.yaml');
writeWalletsFile({ file: walletsFile, keyDir: join(tmp, 'keys'), apiUrl: sim.url, wallets: fleetSpecs(fleet), defaults: { low_balance_threshold: 1000, critical_balance_threshold: 10 } });
const [port, refusing] = [await freePort(), await freePort()];
const base = `http://127.0.0.1:${port}`;
const env = { STATE_DIR: stateDir, METRICS_HOST: '127.0.0.1', METRICS_PORT: String(port), WALLETS_FILE: walletsFile, POLL_SCHEDULE: '* * * * *', LOG_LEVEL: 'error' };
const daemon = new Child([join(ROOT, 'dist/main.js'), 'start'], { ...env, ALERT_WEBHOOK_URL: `http://127.0.0.1:${refusing}/hook` });
try {
  await until(async () => (await get(`${base}/readyz`)).status === 200, 'every wallet polled once', 600_000, 250);
  await until(async () => Number(/"notifications_owed": (\d+)\n}/.exec((await get(`${base}/api/status`)).body)?.[1] ?? 0) >= N, `${N} owed deliveries`, 300_000, 1000);
  log(`${N} wallets firing, at least ${N} deliveries owed`);
  for (let i = 0; i < 3; i++) {
    const r = await get(`${base}/api/status`);
    console.log(`/api/status alone: ${r.status} in ${r.ms.toFixed(0)} ms (${(r.body.length / 1e6).toFixed(1)} MB)`);
  }
  const t0 = performance.now();
  const parallel = Array.from({ length: 20 }, () => get(`${base}/api/status`));
  const probe = get(`${base}/healthz`);
  const rs = await Promise.all(parallel);
  const hz = await probe;
  console.log(`20 × /api/status in parallel: all done in ${(performance.now() - t0).toFixed(0)} ms, statuses ${[...new Set(rs.map((r) => r.status))].join(',')}`);
  console.log(`/healthz among them: ${hz.status} in ${hz.ms.toFixed(0)} ms (a liveness probe gives up at 5,000 ms)`);
} finally {
  await daemon.stop();
  await sim.child.stop();
  rmSync(tmp, { recursive: true, force: true });
}
