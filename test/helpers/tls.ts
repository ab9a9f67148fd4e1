/** Throw-away TLS certificates made by the real `openssl`, for servers on loopback. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { spawnSync } from 'node:child_process';
import { requireBinary } from './promtool.js';
import { tempDir } from './daemon.js';

export interface TestCert {
  dir: string;
  certFile: string;
  keyFile: string;
  cert: string;
  key: string;
}

/**
 * A self-signed certificate (RSA 2048, valid 2 days) for `subjectAltName` (default `IP:127.0.0.1`).
 * Null when openssl is missing: the test is then skipped with the reason (failed under CI=true).
 */
export function selfSignedCert(t: TestContext, opts: { san?: string; cn?: string; dir?: string; name?: string } = {}): TestCert | null {
  if (!requireBinary(t, 'openssl', 'openssl')) return null;
  const dir = opts.dir ?? tempDir('ws-tls-');
  const name = opts.name ?? 'server';
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  const r = spawnSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-keyout', keyFile, '-out', certFile, '-subj', `/CN=${opts.cn ?? 'wallet-sentinel test'}`, '-addext', `subjectAltName=${opts.san ?? 'IP:127.0.0.1'}`],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`openssl req failed: ${r.stderr}`);
  return { dir, certFile, keyFile, cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
}
