import { spawnSync } from 'node:child_process';
import type { TestContext } from 'node:test';

/**
 * Finds an outside binary. Missing: the test is skipped with a visible reason on a newcomer's machine,
 * but fails under CI=true, where .ci/run installs it.
 */
export function requireBinary(t: TestContext, name: string, debianPackage: string): boolean {
  const found = spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
  if (found) return true;
  const why = `${name} not found (apt-get install ${debianPackage})`;
  if (process.env.CI === 'true') throw new Error(`${why}: CI must run this test`);
  t.skip(why);
  return false;
}

/** `promtool check metrics` on a page: its output (empty means no problem) and exit code. */
export function promtoolCheckMetrics(page: string): { status: number | null; output: string } {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: page, encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}`.trim() };
}
