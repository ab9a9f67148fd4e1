/**
 * Over HTTPS (WEB_CONFIG_FILE tls_server_config) a connection that never starts its TLS handshake is cut as
 * fast as one that never finishes its request headers over HTTP: Node's own TLS handshake timeout is 120 s,
 * and 256 such idle sockets (the connection cap) refused every probe, /healthz included, for two minutes.
 */
import { test } from 'node:test';
import net from 'node:net';
import { pino } from 'pino';
import { HttpServer } from '../../src/http/server.js';
import { Secret } from '../../src/config/secret.js';
import type { WalletRegistry } from '../../src/metrics/registry.js';
import { waitFor } from '../helpers/daemon.js';
import { selfSignedCert } from '../helpers/tls.js';

test('over HTTPS, a TCP connection that never sends a ClientHello is cut within the header timeout, not after 120 s', { timeout: 60_000 }, async (t) => {
  const cert = selfSignedCert(t);
  if (!cert) return;
  const server = new HttpServer({
    registry: {} as WalletRegistry,
    healthy: () => true,
    ready: () => true,
    status: async function* () {},
    log: pino({ level: 'silent' }),
    web: { file: 'web.yml', tls: { cert: cert.cert, key: new Secret(cert.key), clientCa: undefined, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' }, users: new Map(), headers: {} },
  });
  const { port } = await server.listen('127.0.0.1', 0);
  t.after(() => server.close());
  const client = net.connect(port, '127.0.0.1');
  t.after(() => client.destroy());
  let closed = false;
  client.on('close', () => (closed = true)).on('error', () => undefined);
  await new Promise<void>((resolve) => client.once('connect', resolve));
  // cut after the 10 s header timeout: Node's own 120 s handshake timeout would not cut it within this deadline
  await waitFor(() => closed, 'the server to cut a connection that never starts TLS', 30_000);
});
