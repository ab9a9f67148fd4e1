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

// 1. start-up: process spawn → first poll answered → /readyz; in an empty environment, and in a pod's: Kubernetes
// gives every pod 7 service-link variables per Service of its namespace, and each is checked for a typo of ours.
async function startup(extra: Record<string, string>): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < 5; i++) {
    const spawned = Date.now();
    const before = sim.balanceRequests();
    const d = await Daemon.start({ TELEPHONY_API_URL: sim.url, TELEPHONY_API_KEY: KEY, LOG_LEVEL: 'info', POLL_SCHEDULE: '0 0 1 1 *', ...extra });
    await waitFor(async () => sim.balanceRequests() > before && (await d.get('/readyz')).status === 200, 'ready');
    ms.push(Date.now() - spawned);
    await d.stop();
  }
  return ms;
}
const serviceLinks = (services: number): Record<string, string> => {
  const env: Record<string, string> = {};
  for (let i = 0; i < services; i++) {
    const s = `SERVICE_${i}_API`;
    for (const [k, v] of [['SERVICE_HOST', '127.0.0.1'], ['SERVICE_PORT', '8080'], ['PORT', 'tcp://127.0.0.1:8080'], ['PORT_8080_TCP', 'tcp://127.0.0.1:8080'], ['PORT_8080_TCP_ADDR', '127.0.0.1'], ['PORT_8080_TCP_PORT', '8080'], ['PORT_8080_TCP_PROTO', 'tcp']]) env[`${s}_${k}`] = v!;
  }
  return env;
};
for (const [what, extra] of [['', {}], [' with 50 Services\' links in the environment (350 variables)', serviceLinks(50)]] as const) {
  const ms = await startup(extra);
  console.log(`start-up to first poll and ready${what}: median ${median(ms)} ms (n=${ms.length}: ${ms.join(', ')} ms)`);
}

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
