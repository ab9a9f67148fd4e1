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

/** A client certificate (RSA 2048, valid 2 days) signed by `ca` (a `selfSignedCert`), for client-certificate checks. */
export function clientCertSignedBy(ca: TestCert, name: string): TestCert {
  const certFile = join(ca.dir, `${name}.crt`);
  const keyFile = join(ca.dir, `${name}.key`);
  const csr = join(ca.dir, `${name}.csr`);
  const run = (args: string[]) => {
    const r = spawnSync('openssl', args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr}`);
  };
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', csr, '-subj', `/CN=${name}`]);
  run(['x509', '-req', '-in', csr, '-CA', ca.certFile, '-CAkey', ca.keyFile, '-CAcreateserial', '-days', '2', '-out', certFile]);
  return { dir: ca.dir, certFile, keyFile, cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
}
