/**
 * `npm run bench:daemon`: start-up time to the first poll, idle RSS, and alert latency (from the poll
 * that sees the balance cross a threshold to the webhook arriving), against the simulator and a real
 * webhook receiver on loopback. Prints its figures; asserts nothing.
 */
import { readFileSync } from 'node:fs';
import { Simulator } from '../src/simulator/simulator.js';
import { Daemon, waitFor } from '../test/helpers/daemon.js';
import { WebhookReceiver } from '../test/helpers/receivers.js';

const KEY = 'bench-key';
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))]!;
const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

const sim = new Simulator({ apiKey: KEY, balance: 1000, burnPerHour: 0 });
await sim.start();
const hook = new WebhookReceiver();
await hook.start();

// 1. start-up: process spawn → first poll answered → /readyz
const startups: number[] = [];
for (let i = 0; i < 5; i++) {
  const spawned = Date.now();
  const before = sim.balanceRequests();
  const d = await Daemon.start({ TELEPHONY_API_URL: sim.url, TELEPHONY_API_KEY: KEY, LOG_LEVEL: 'info', POLL_SCHEDULE: '0 0 1 1 *' });
  await waitFor(async () => sim.balanceRequests() > before && (await d.get('/readyz')).status === 200, 'ready');
  startups.push(Date.now() - spawned);
  await d.stop();
}
console.log(`start-up to first poll and ready: median ${median(startups)} ms (n=${startups.length}: ${startups.join(', ')} ms)`);

// 2. idle RSS after a minute of polling every second, and alert latency
const d = await Daemon.start({ TELEPHONY_API_URL: sim.url, TELEPHONY_API_KEY: KEY, LOG_LEVEL: 'info', ALERT_WEBHOOK_URL: hook.url, LOW_BALANCE_THRESHOLD: '100', RUNWAY_WARNING_HOURS: '0', RUNWAY_CRITICAL_HOURS: '0' });
await waitFor(async () => (await d.metric('telephony_api_up{account="default"}')) === 1, 'up');
const latencies: number[] = [];
for (let i = 0; i < 10; i++) {
  const target = i % 2 === 0 ? 50 : 1000; // fire, resolve, fire…
  const got = hook.received.length;
  const set = Date.now();
  sim.setBalance(target);
  await waitFor(() => hook.received.length > got, 'the notification');
  // the poll that crossed: the first request after the change
  const crossing = sim.requests.find((r) => r.at >= set && r.path === '/v1/wallet/balance')!;
  latencies.push(hook.received.at(-1)!.at - crossing.at);
}
console.log(`alert latency (poll that crosses → webhook received): median ${median(latencies)} ms, p95 ${p95(latencies)} ms (n=${latencies.length})`);
await new Promise((r) => setTimeout(r, 60_000));
console.log(`idle RSS after ~1 min of polling every second: ${rssMiB(d.child.pid!).toFixed(1)} MiB`);
await d.stop();
await hook.close();
await sim.close();
