/**
 * WEB_CONFIG_FILE: the Prometheus exporter-toolkit web configuration file
 * (https://github.com/prometheus/exporter-toolkit/blob/master/docs/web-configuration.md), read once at
 * start-up. Supported: `tls_server_config` (certificate and key, as files or inline; client certificates
 * with RequireAndVerifyClientCert; min/max TLS version), `http_server_config.headers`, and
 * `basic_auth_users` (bcrypt hashes). Keys of the format that wallet-sentinel does not implement, and
 * unknown keys, are errors naming the file and the key: a setting silently ignored could leave the
 * endpoints open when the file says they are closed.
 */
import { MiB, PEM_MAX_BYTES, readConfigFile, whyNot } from './read-file.js';
import { dirname, resolve } from 'node:path';
import { createSecureContext, type SecureVersion } from 'node:tls';
import { certificatesProblem } from './fields.js';
import { sameKeyAsText, yaml } from './yaml.js';
import { Secret } from './secret.js';

export interface WebTlsConfig {
  readonly cert: string;
  readonly key: Secret;
  /** CA for client certificates; set exactly when client certificates are required. */
  readonly clientCa: string | undefined;
  readonly minVersion: SecureVersion;
  readonly maxVersion: SecureVersion;
}

export interface WebConfig {
  /** The file, for messages. */
  readonly file: string;
  readonly tls: WebTlsConfig | undefined;
  /** user → bcrypt hash. Empty: no password asked. */
  readonly users: ReadonlyMap<string, Secret>;
  /** Extra response headers from `http_server_config.headers`. */
  readonly headers: Readonly<Record<string, string>>;
}

const TLS_VERSIONS: Record<string, SecureVersion> = { TLS10: 'TLSv1', TLS11: 'TLSv1.1', TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' };
const TLS_KEYS = new Set(['cert', 'key', 'cert_file', 'key_file', 'client_ca', 'client_ca_file', 'client_auth_type', 'min_version', 'max_version']);
/** In the format, but not implemented here (Go cipher/curve names, SAN pinning): refused, never ignored. */
const TLS_UNSUPPORTED = new Set(['cipher_suites', 'prefer_server_cipher_suites', 'curve_preferences', 'client_allowed_sans']);
const HEADERS = new Set(['Content-Security-Policy', 'X-Frame-Options', 'X-Content-Type-Options', 'X-XSS-Protection', 'Strict-Transport-Security']);
/** The hashes bcryptjs checks: $2a$, $2b$ or $2y$, cost 04–31 ($2x$ and costs outside it throw at every login, $2$ never matches). */
const BCRYPT_HASH = /^\$2[aby]\$(0[4-9]|[12]\d|3[01])\$[./A-Za-z0-9]{53}$/;

/** A bcrypt hash's cost (`$2y$10$…` → 10), or undefined for what is no hash bcryptjs can check. */
export function bcryptCost(hash: string): number | undefined {
  const cost = BCRYPT_HASH.exec(hash)?.[1];
  return cost === undefined ? undefined : Number(cost);
}

/**
 * Reads and validates the file. Returns the config, or the problems (each naming the key; none quotes a
 * password hash or a key).
 */
export function readWebConfig(file: string): { config?: WebConfig; problems: string[] } {
  const problems: string[] = [];
  const at = (key: string, message: string) => problems.push(`${file}: ${key}: ${message}`);
  const r = readConfigFile(file, MiB);
  if (!('text' in r)) {
    problems.push(`cannot read ${file}: ${whyNot(r)}`);
    return { problems };
  }
  const text = r.text;
  let doc: unknown;
  try {
    doc = yaml().parse(text, { uniqueKeys: sameKeyAsText, logLevel: 'error' }); // a warning (an unknown tag) is emitted quoting its line: not printed
  } catch (err) {
    // YAML's own message quotes the offending line, which may hold a hash: give its position only.
    const pos = (err as { linePos?: Array<{ line: number; col: number }> }).linePos?.[0];
    problems.push(`${file}: not valid YAML${pos ? ` (line ${pos.line}, column ${pos.col})` : ''}`);
    return { problems };
  }
  if (doc === null || doc === undefined) doc = {};
  if (!isRecord(doc)) {
    problems.push(`${file}: must be a YAML mapping (tls_server_config, http_server_config, basic_auth_users)`);
    return { problems };
  }
  for (const key of Object.keys(doc)) {
    if (key === 'rate_limit') at(key, 'is not supported by wallet-sentinel; remove it');
    else if (!['tls_server_config', 'http_server_config', 'basic_auth_users'].includes(key)) at(key, 'unknown key');
  }
  const base = dirname(resolve(file));
  const tls = doc.tls_server_config === undefined || doc.tls_server_config === null ? undefined : readTls(doc.tls_server_config, base, at);
  const users = readUsers(doc.basic_auth_users, at);
  const headers = readHttp(doc.http_server_config, at);
  if (problems.length > 0) return { problems };
  return { config: { file, tls, users, headers }, problems };
}

type At = (key: string, message: string) => void;

function readTls(section: unknown, base: string, at: At): WebTlsConfig | undefined {
  const k = (key: string) => `tls_server_config.${key}`;
  if (!isRecord(section)) {
    at('tls_server_config', 'must be a mapping');
    return undefined;
  }
  for (const key of Object.keys(section)) {
    if (TLS_UNSUPPORTED.has(key)) at(k(key), 'is not supported by wallet-sentinel; remove it (Node.js chooses ciphers and curves)');
    else if (!TLS_KEYS.has(key)) at(k(key), 'unknown key');
  }
  const cert = pem(section, 'cert', base, at, /-----BEGIN CERTIFICATE-----/, 'a PEM certificate');
  const key = pem(section, 'key', base, at, /-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'a PEM private key');
  const authType = section.client_auth_type ?? 'NoClientCert';
  let clientCa: string | undefined;
  if (authType === 'RequireAndVerifyClientCert') {
    clientCa = pem(section, 'client_ca', base, at, /-----BEGIN CERTIFICATE-----/, 'a PEM certificate');
    const problem = clientCa === undefined ? undefined : certificatesProblem(clientCa);
    if (problem) at(k(section.client_ca_file === undefined ? 'client_ca' : 'client_ca_file'), problem);
    if (clientCa === undefined && section.client_ca === undefined && section.client_ca_file === undefined) at(k('client_ca_file'), 'is required with client_auth_type RequireAndVerifyClientCert');
  } else if (authType !== 'NoClientCert') {
    at(k('client_auth_type'), `${JSON.stringify(authType)} is not supported: use NoClientCert or RequireAndVerifyClientCert (the only secure choice for client certificates)`);
  } else if (section.client_ca !== undefined || section.client_ca_file !== undefined) {
    at(k('client_ca_file'), 'is set but client_auth_type is not RequireAndVerifyClientCert, so no client certificate would be checked');
  }
  const version = (name: 'min_version' | 'max_version', fallback: string): SecureVersion | undefined => {
    const v = section[name] ?? fallback;
    const mapped = typeof v === 'string' ? TLS_VERSIONS[v] : undefined;
    if (!mapped) at(k(name), `${JSON.stringify(v)} is not one of ${Object.keys(TLS_VERSIONS).join(', ')}`);
    return mapped;
  };
  const minVersion = version('min_version', 'TLS12');
  const maxVersion = version('max_version', 'TLS13');
  // Node accepts these and then fails every handshake (the probes too: a pod restarting for ever): OpenSSL 3
  // refuses TLS below 1.2 at its default security level.
  if (maxVersion && maxVersion < 'TLSv1.2') {
    at(k('max_version'), `(${String(section.max_version)}) is below TLS12: this build's TLS library refuses TLS 1.0 and 1.1, every handshake would fail`);
    return undefined;
  }
  if (minVersion && maxVersion && minVersion > maxVersion) {
    at(k('min_version'), `(${String(section.min_version)}) is above max_version (${String(section.max_version ?? 'TLS13')}): no TLS version is left, every handshake would fail`);
    return undefined;
  }
  if (cert === undefined || key === undefined || !minVersion || !maxVersion) {
    if (section.cert === undefined && section.cert_file === undefined) at(k('cert_file'), 'is required (or cert, inline)');
    if (section.key === undefined && section.key_file === undefined) at(k('key_file'), 'is required (or key, inline)');
    return undefined;
  }
  try {
    createSecureContext({ cert, key, minVersion, maxVersion });
  } catch (err) {
    at('tls_server_config', `the certificate and key do not make a TLS context (${(err as { code?: string }).code ?? 'error'}): is the key the certificate's?`);
    return undefined;
  }
  return { cert, key: new Secret(key), clientCa, minVersion, maxVersion };
}

/** `<name>` inline or `<name>_file` (relative to the web config file's folder, as exporter-toolkit does). */
function pem(section: Record<string, unknown>, name: string, base: string, at: At, shape: RegExp, what: string): string | undefined {
  const key = `tls_server_config.${name}`;
  const inline = section[name];
  const file = section[`${name}_file`];
  if (inline !== undefined && file !== undefined) {
    at(key, `set both ${name} and ${name}_file; set only one`);
    return undefined;
  }
  let text: string;
  if (inline !== undefined) {
    if (typeof inline !== 'string') return void at(key, 'must be a string');
    text = inline;
  } else if (file !== undefined) {
    if (typeof file !== 'string' || file === '') return void at(`${key}_file`, 'must be a file name');
    const path = resolve(base, file);
    const r = readConfigFile(path, PEM_MAX_BYTES);
    if (!('text' in r)) return void at(`${key}_file`, `cannot read ${path}: ${whyNot(r)}`);
    text = r.text;
  } else return undefined;
  if (!shape.test(text)) return void at(inline !== undefined ? key : `${key}_file`, `does not hold ${what}`);
  return text;
}

function readUsers(section: unknown, at: At): Map<string, Secret> {
  const users = new Map<string, Secret>();
  if (section === undefined || section === null) return users;
  if (!isRecord(section)) {
    at('basic_auth_users', 'must be a mapping of user name to bcrypt hash');
    return users;
  }
  for (const [user, hash] of Object.entries(section)) {
    const key = `basic_auth_users.${user}`;
    if (user === '' || user.includes(':') || /[\x00-\x1f\x7f]/.test(user)) at('basic_auth_users', 'a user name is empty or holds a colon or a control character');
    else if (typeof hash !== 'string' || bcryptCost(hash) === undefined) at(key, 'is not a bcrypt hash that can be checked ($2a$, $2b$ or $2y$ with a cost from 04 to 31: $2y$10$… from `htpasswd -nBC 10 "" | tr -d \':\\n\'`)');
    else users.set(user, new Secret(hash));
  }
  return users;
}

function readHttp(section: unknown, at: At): Record<string, string> {
  const headers: Record<string, string> = {};
  if (section === undefined || section === null) return headers;
  if (!isRecord(section)) {
    at('http_server_config', 'must be a mapping');
    return headers;
  }
  for (const [key, value] of Object.entries(section)) {
    if (key === 'http2') {
      // HTTP/2 is an optimisation the format allows a server not to offer; HTTP/1.1 is always served.
      if (typeof value !== 'boolean') at('http_server_config.http2', 'must be true or false');
    } else if (key === 'headers') {
      if (!isRecord(value)) {
        at('http_server_config.headers', 'must be a mapping');
        continue;
      }
      for (const [name, v] of Object.entries(value)) {
        if (!HEADERS.has(name)) at(`http_server_config.headers.${name}`, `unknown header (allowed: ${[...HEADERS].join(', ')})`);
        else if (typeof v !== 'string' || /[\r\n]/.test(v)) at(`http_server_config.headers.${name}`, 'must be a one-line string');
        else if (v !== '') headers[name] = v;
      }
    } else at(`http_server_config.${key}`, 'unknown key');
  }
  return headers;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
