/** yamllint (with the repository's .yamllint) finds nothing in any YAML file of deploy/, config/ or compose. */
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { requireBinary } from '../helpers/promtool.js';
import { DEPLOY, readYamlDocs, ROOT, run } from './lib.js';

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? yamlFiles(p) : /\.ya?ml$/.test(f) ? [p] : [];
  });
}
const files = () => [...yamlFiles(DEPLOY), ...yamlFiles(join(ROOT, 'config')), join(ROOT, 'docker-compose.yml'), join(ROOT, 'docker-compose.real.yml')].map((f) => relative(ROOT, f));

test('yamllint -s (warnings count) reports nothing on deploy/**/*.y*ml, config/*.y*ml and docker-compose*.yml', (t) => {
  if (!requireBinary(t, 'yamllint', 'yamllint')) return;
  const list = files();
  assert.ok(list.length >= 15, `${list.length} files`);
  const r = run('yamllint', ['-s', '-f', 'parsable', '-c', join(ROOT, '.yamllint'), ...list]);
  assert.equal(r.output, '', r.output);
  assert.equal(r.status, 0);
});

test('every YAML file parses (the yaml package, independent of yamllint)', () => {
  for (const f of files()) assert.doesNotThrow(() => readYamlDocs(join(ROOT, f)), f);
});
