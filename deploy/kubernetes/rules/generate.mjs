#!/usr/bin/env node
// Regenerates the PrometheusRules from deploy/prometheus/rules.yml, so the Prometheus Operator gets
// exactly the rules that promtool tests:  node deploy/kubernetes/rules/generate.mjs
//   rules/prometheusrule.yaml        every group (the Prometheus alert path for the wallets, plus the watcher)
//   ../rules-self/prometheusrule.yaml  the watcher group alone (wallet-sentinel.self: the WalletSentinel*
//                                    rules), for deployments whose daemons alert for the wallets themselves
//                                    (ALERTMANAGER_URL): with every group they paged twice per problem.
// (test/deploy checks that both carry the same groups as rules.yml.) Text, not parse-and-dump, so the
// comments that explain each rule come along.
import { readFileSync, writeFileSync } from 'node:fs';

const src = new URL('../../prometheus/rules.yml', import.meta.url);
const SELF = 'wallet-sentinel.self';

const text = readFileSync(src, 'utf8');
const start = text.search(/^groups:/m);
if (start < 0) throw new Error('rules.yml: no top-level "groups:"');
const indent = (s) =>
  s
    .split('\n')
    .map((line) => (line === '' ? line : `  ${line}`))
    .join('\n');

// The groups as text: each starts at a "  - name: " line; the comments above one belong to it.
const groupsText = text.slice(start);
const heads = [...groupsText.matchAll(/^ {2}- name: (\S+)\s*$/gm)];
const selfIndex = heads.findIndex((m) => m[1] === SELF);
if (selfIndex < 0) throw new Error(`rules.yml: no group ${SELF}`);
const from = heads[selfIndex].index;
const to = selfIndex + 1 < heads.length ? heads[selfIndex + 1].index : groupsText.length;
const selfText = `groups:\n${groupsText.slice(from, to).replace(/\n+$/, '\n')}`;

const header = (name, what) => `# GENERATED from deploy/prometheus/rules.yml by generate.mjs: edit rules.yml, then run
#   node deploy/kubernetes/rules/generate.mjs
# ${what}
# The Prometheus Operator loads it if your Prometheus resource's ruleSelector matches the labels
# below (kube-prometheus-stack selects \`release: <its Helm release name>\` by default: add that).
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: ${name}
  labels:
    app.kubernetes.io/name: wallet-sentinel
    role: alert-rules
spec:
`;

const outputs = [
  [new URL('./prometheusrule.yaml', import.meta.url), header('wallet-sentinel', 'Every group of rules.yml: the Prometheus alert path for the wallets (Telephony*) and the watcher (WalletSentinel*).') + indent(groupsText)],
  [
    new URL('../rules-self/prometheusrule.yaml', import.meta.url),
    header('wallet-sentinel-self', `Only the group ${SELF} (the WalletSentinel* rules): for daemons that send the wallet alerts themselves.`) + indent(selfText),
  ],
];
for (const [out, body] of outputs) {
  writeFileSync(out, body);
  process.stdout.write(`wrote ${out.pathname}\n`);
}
