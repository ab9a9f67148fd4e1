#!/usr/bin/env node
// Regenerates prometheusrule.yaml from deploy/prometheus/rules.yml, so the Prometheus Operator gets
// exactly the rules that promtool tests:  node deploy/kubernetes/rules/generate.mjs
// (test/deploy checks that the two carry the same groups.) Text, not parse-and-dump, so the
// comments that explain each rule come along.
import { readFileSync, writeFileSync } from 'node:fs';

const src = new URL('../../prometheus/rules.yml', import.meta.url);
const out = new URL('./prometheusrule.yaml', import.meta.url);

const text = readFileSync(src, 'utf8');
const start = text.search(/^groups:/m);
if (start < 0) throw new Error('rules.yml: no top-level "groups:"');
const body = text
  .slice(start)
  .split('\n')
  .map((line) => (line === '' ? line : `  ${line}`))
  .join('\n');

const header = `# GENERATED from deploy/prometheus/rules.yml by generate.mjs: edit rules.yml, then run
#   node deploy/kubernetes/rules/generate.mjs
# The Prometheus Operator loads it if your Prometheus resource's ruleSelector matches the labels
# below (kube-prometheus-stack selects \`release: <its Helm release name>\` by default: add that).
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: wallet-sentinel
  labels:
    app.kubernetes.io/name: wallet-sentinel
    role: alert-rules
spec:
`;
writeFileSync(out, header + body);
process.stdout.write(`wrote ${out.pathname}\n`);
