/** deploy/README.md: every in-page link lands on a heading, and every file it names exists. */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DAEMON_ALERTS, DOCS, markdownAnchors, read, ROOT } from './lib.js';

test('every #anchor link in deploy/README.md lands on a heading', () => {
  const text = read(DOCS);
  const anchors = markdownAnchors(text);
  const links = [...text.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]!);
  assert.ok(links.length >= 20, `${links.length} links`);
  for (const l of links) assert.ok(anchors.has(l), `#${l} has no heading`);
});

test('the runbooks section has one entry per alert, each saying what it means, what to check and what to do', () => {
  const text = read(DOCS);
  const runbooks = text.slice(text.indexOf('\n## Runbooks'));
  const sections = runbooks.split('\n### ').slice(1);
  const names = sections.map((s) => s.split('\n')[0]!.trim());
  for (const name of DAEMON_ALERTS) assert.ok(names.includes(name), `a runbook for ${name}`);
  assert.ok(names.length >= DAEMON_ALERTS.length + 8, names.join(', '));
  for (const s of sections) {
    const name = s.split('\n')[0];
    assert.match(s, /\*\*Means\*\*/, `${name}: what it means`);
    assert.match(s, /\*\*Check( \/ Do)?\*\*/, `${name}: what to check`);
    assert.match(s, /\*\*(Do|Check \/ Do)\*\*/, `${name}: what to do`);
  }
});

test('every repository path deploy/README.md names in backticks exists', () => {
  const paths = [...read(DOCS).matchAll(/`((?:deploy|config|test)\/[^`\s*{}]+|docker-compose(?:\.real)?\.yml|\.dockerignore)`/g)].map((m) => m[1]!);
  assert.ok(paths.length >= 10);
  for (const p of paths) assert.ok(existsSync(join(ROOT, p)), `${p} does not exist`);
});
