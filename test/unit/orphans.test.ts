import { test } from 'node:test';
import assert from 'node:assert/strict';
import { leftToResolve } from '../../src/fleet/orphans.js';

const am = (baseUrl: string, severities?: Array<'warning' | 'critical'>) => ({ baseUrl, label: baseUrl, severities });

test('leftToResolve: the old shard resolves in each Alertmanager only the severities the new shard does not post there', () => {
  const [a, b] = ['http://127.0.0.1:9093', 'http://127.0.0.1:9094'];
  assert.deepEqual(leftToResolve([am(a)], [am(a)]), [], 'the same Alertmanager, every severity: all the new shard\'s');
  assert.deepEqual(leftToResolve([am(a)], []), [am(a, ['warning', 'critical'])], 'routed elsewhere (or relabelled): all resolved');
  assert.deepEqual(leftToResolve([am(a)], [am(a, ['critical'])]), [am(a, ['warning'])], 'now only critical there: the warning\'s label set resolved');
  assert.deepEqual(leftToResolve([am(a, ['critical'])], [am(a, ['warning']), am(a, ['critical'])]), [], 'covered by two receivers together');
  assert.deepEqual(leftToResolve([am(a), am(b, ['warning'])], [am(b)]), [am(a, ['warning', 'critical'])], 'per Alertmanager');
  assert.deepEqual(leftToResolve([am('http://AM.local:80/')], [am('http://am.local')]), [], 'one Alertmanager written two ways');
});
