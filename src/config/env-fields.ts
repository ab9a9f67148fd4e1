/**
 * The environment's process settings (contract section 2), one zod field each, and the rules between them:
 * every variable is parsed on its own and the cross-field rules run on whatever parsed, so one bad value
 * never hides another problem. load.ts gathers the variables (.env, `*_FILE` secrets) and builds Settings.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { z } from 'zod';
import { cronNormalized, cronProblem } from './cron.js';
import { webhookTargets } from '../notify/env-targets.js';
import { GROUP_INTERVAL_MAX } from '../notify/delivery.js';
import { valueShown } from './shown.js';
import { alertmanagerTargets, duration, emailAddress, emailSender, fail, isTimeZone, number, readPemCertificates, secret, smtpUrlProblem, text } from './fields.js';
import { readWebConfig } from './web-config.js';
import { LOG_LEVELS } from './settings.js';

export type Env = Record<string, string | undefined>;

/**
 * Each field parsed from `vars`; a field that fails adds its problems and is absent. `emptyInEnv`: set to ''
 * in the environment (said in the problem); `unreadable`: secrets whose X_FILE could not be read (their
 * problem is said already: no rule adds a second).
 */
export function parseFields(vars: Env, emptyInEnv: ReadonlySet<string>, problems: string[], unreadable: ReadonlySet<string>): Partial<Fields> {
  const parsed: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(fieldSchemas())) {
    const r = field.safeParse(vars[name]);
    if (r.success) {
      parsed[name] = r.data;
      continue;
    }
    const hint = emptyInEnv.has(name) ? ' (it is set to an empty string in the environment, which counts as unset and hides any value in .env)' : '';
    for (const issue of r.error.issues) problems.push(`${name}: ${issue.message}${hint}`);
  }
  crossFieldProblems(parsed as Partial<Fields>, vars, problems, unreadable);
  return parsed as Partial<Fields>;
}

function fieldSchemas() {
  return {
    POLL_SCHEDULE: text('* * * * *')
      .superRefine((v, ctx) => {
        const problem = cronProblem(v);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .transform(cronNormalized), // fields apart by tabs too, as crontab reads them: node-cron takes single spaces
    POLL_TIMEZONE: z.string().optional().refine((v) => v === undefined || isTimeZone(v), {
      message: 'is not an IANA time zone such as UTC or Europe/Berlin',
    }),
    POLL_CONCURRENCY: number(32, { min: 1, max: 10_000, integer: true }),
    REQUEST_TIMEOUT_MS: number(10_000, { min: 100, max: 300_000, integer: true }),
    WALLETS_FILE: z.string().optional(),
    SHARD_COUNT: number(1, { min: 1, max: 10_000, integer: true }),
    SHARD_INDEX: number(0, { min: 0, integer: true }),
    TOPUP_MIN_CREDITS: number(1, { min: 0 }),
    ALERT_REPEAT_INTERVAL: duration('4h', 1000),
    ALERT_REPEAT_RUNWAY_FRACTION: number(0, { min: 0, max: 1 }),
    ALERT_HYSTERESIS_PERCENT: number(5, { min: 0, max: 100 }),
    ALERT_RETRY_BASE_DELAY: duration('5s', 100),
    ALERT_GROUP_INTERVAL: duration('5m', 0, GROUP_INTERVAL_MAX),
    SPEND_ANOMALY_FACTOR: number(3, { min: 1 }),
    SPEND_ANOMALY_MIN_CREDITS: number(10, { min: 0 }),
    SMTP_URL: secret.superRefine((v, ctx) => {
      const problem = v === undefined ? undefined : smtpUrlProblem(v.reveal());
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
    SMTP_CA_FILE: z.string().optional().transform((path, ctx) => (path === undefined ? undefined : readPemCertificates(path, ctx))),
    SMTP_REQUIRE_TLS: text('auto').refine((v) => ['auto', 'true', 'false'].includes(v), { message: 'must be auto, true or false' }),
    ALERT_EMAIL_FROM: z.string().optional().refine((v) => v === undefined || emailSender(v.trim()), {
      message: 'is not an email address (or a name and <address>)',
    }),
    ALERT_EMAIL_TO: z.string().optional().transform((v, ctx) => {
      if (v === undefined) return undefined;
      const list = v.split(',').map((s) => s.trim()).filter(Boolean);
      const bad = list.filter((a) => !emailAddress.test(a));
      if (list.length === 0 || bad.length > 0) return fail(ctx, `not a comma-separated list of email addresses: ${bad.length > 0 ? bad.map(valueShown).join(', ') : valueShown(v)}`);
      return list;
    }),
    ALERT_WEBHOOK_URL: z.string().optional().transform((v, ctx) => (v === undefined ? undefined : webhookTargets(v, ctx))),
    ALERT_WEBHOOK_SECRET: secret,
    ALERT_PAGERDUTY_ROUTING_KEY: secret,
    ALERTMANAGER_URL: z.string().optional().transform((v, ctx) => (v === undefined ? [] : alertmanagerTargets(v, ctx))),
    METRICS_HOST: text('0.0.0.0').transform((v, ctx) => {
      const problem = listenHostProblem(v.trim());
      return problem ? fail(ctx, problem) : unbracketed(v.trim());
    }),
    // Kubernetes sets METRICS_PORT=tcp://IP:PORT for a Service named `metrics` in the namespace (service
    // links): say so, or the pod restarts in a loop on "is not a number" with no clue why.
    METRICS_PORT: z.string().optional().superRefine((v, ctx) => {
      if (v !== undefined && /^(tcp|udp):\/\//.test(v.trim())) fail(ctx, `${valueShown(v)} looks like a Kubernetes service link (a Service named 'metrics'): set the port explicitly in the container's env, or enableServiceLinks: false in the pod`);
    }).pipe(number(9721, { min: 0, max: 65_535, integer: true })),
    WEB_CONFIG_FILE: z.string().optional().transform((file, ctx) => {
      if (file === undefined) return undefined;
      const { config, problems } = readWebConfig(file);
      for (const message of problems) ctx.addIssue({ code: 'custom', message });
      return config;
    }),
    // A blank or space-padded directory is a typing slip, not a name: ' ' made a directory named ' ' in the
    // working directory, and '/var/lib/ws ' another directory than the volume's, each started with no history.
    STATE_DIR: text('./data').superRefine((v, ctx) => {
      if (v.trim() === '') ctx.addIssue({ code: 'custom', message: 'holds only spaces: set a directory, or leave it unset' });
      else if (v !== v.trim()) ctx.addIssue({ code: 'custom', message: `${valueShown(v)} starts or ends with a space or tab: remove it (a directory of that name would be another one, with no history)` });
    }),
    LOG_LEVEL: text('info').refine((v): v is (typeof LOG_LEVELS)[number] => (LOG_LEVELS as readonly string[]).includes(v), {
      error: (issue) => `must be one of ${LOG_LEVELS.join(', ')}, got ${valueShown(String(issue.input))}`,
    }),
  };
}

export type Fields = { [K in keyof ReturnType<typeof fieldSchemas>]: z.output<ReturnType<typeof fieldSchemas>[K]> };

/** Rules between settings, on the values that parsed (`vars` tells what was given at all). */
function crossFieldProblems(v: Partial<Fields>, vars: Env, problems: string[], unreadable: ReadonlySet<string>): void {
  // A secret named by an unreadable X_FILE already has its problem (X_FILE: cannot read …): no rule adds a second.
  const issue = (name: string, message: string) => {
    if (!unreadable.has(name)) problems.push(`${name}: ${message}`);
  };
  const given = (name: string) => vars[name] !== undefined;
  if (v.SHARD_INDEX !== undefined && v.SHARD_COUNT !== undefined && v.SHARD_INDEX >= v.SHARD_COUNT) {
    issue('SHARD_INDEX', `(${v.SHARD_INDEX}) must be below SHARD_COUNT (${v.SHARD_COUNT}): shards are numbered from 0`);
  }
  if (given('SMTP_URL')) {
    if (!given('ALERT_EMAIL_FROM')) issue('ALERT_EMAIL_FROM', 'is required when SMTP_URL is set');
    // with WALLETS_FILE, SMTP_URL alone is what the receivers' email entries default to: no email for `default`
    if (!given('ALERT_EMAIL_TO') && !given('WALLETS_FILE')) issue('ALERT_EMAIL_TO', 'is required when SMTP_URL is set (without WALLETS_FILE, whose receivers may use it as their mail server)');
  } else if (given('ALERT_EMAIL_TO')) {
    issue('SMTP_URL', 'is required when ALERT_EMAIL_TO is set');
  } else if (given('ALERT_EMAIL_FROM') && !given('WALLETS_FILE')) {
    // with WALLETS_FILE, the sender and the CA file alone are what the receivers' email entries default to
    issue('SMTP_URL', 'is required when ALERT_EMAIL_FROM is set (without WALLETS_FILE, whose receivers may use it as their sender)');
  }
  if (given('SMTP_CA_FILE') && !given('SMTP_URL') && !unreadable.has('SMTP_URL') && !given('WALLETS_FILE')) issue('SMTP_CA_FILE', 'is set but SMTP_URL is not (the CA file is only for the mail server)');
  if (given('ALERT_WEBHOOK_SECRET') && !given('ALERT_WEBHOOK_URL')) issue('ALERT_WEBHOOK_URL', 'is required when ALERT_WEBHOOK_SECRET is set');
  if (v.ALERT_WEBHOOK_URL?.some((w) => w.format === 'pagerduty') && !given('ALERT_PAGERDUTY_ROUTING_KEY')) {
    issue('ALERT_PAGERDUTY_ROUTING_KEY', 'is required for a pagerduty+ webhook URL');
  }
}

/**
 * SHARD_COUNT above 1 without this replica's SHARD_INDEX makes every replica shard 0: the other shards'
 * wallets unwatched, shard 0's polled and paged for N times. Set but empty — what a StatefulSet's
 * pod-index label gives on Kubernetes before 1.28 — it is an error; not set at all, the contract's
 * default 0 holds, with a warning.
 */
export function shardProblems(v: Partial<Fields>, vars: Env, emptyInEnv: ReadonlySet<string>, problems: string[], warnings: string[]): void {
  const count = v.SHARD_COUNT ?? 1;
  if (count <= 1 || vars.SHARD_INDEX !== undefined) return;
  const why = `every replica without it is shard 0 of ${count}: the other shards' wallets go unwatched`;
  if (emptyInEnv.has('SHARD_INDEX')) problems.push(`SHARD_INDEX: is empty with SHARD_COUNT ${count}; set this replica's number (0 to ${count - 1}): ${why} (a StatefulSet's apps.kubernetes.io/pod-index label needs Kubernetes 1.28 or later)`);
  else warnings.push(`SHARD_INDEX: not set with SHARD_COUNT ${count}, so this process is shard 0; ${why}`);
}

/**
 * What is wrong with METRICS_HOST, said before anything starts (at listen it was "cannot be resolved",
 * after a DNS lookup of a URL): a host name or an address, without a scheme, a path or a port.
 */
function listenHostProblem(host: string): string | undefined {
  const want = 'expected a host name or IP address such as 0.0.0.0, 127.0.0.1 or ::';
  if (host === '') return `${want}, got nothing`;
  if (/[\s/]/.test(host)) return `${want} (no scheme, path or spaces inside)`;
  if (/^[^:]*:\d+$/.test(host) || /^\[.*\]:\d+$/.test(host)) return `${want}, without a port: the port is METRICS_PORT`;
  // Digits and dots are an IPv4 address or nothing: 256.1.1.1 went to DNS and failed only at listen.
  if (/^[\d.]+$/.test(host) && !isIPv4(host)) return `${want}; '${host}' is not an IPv4 address`;
  if (host.startsWith('[') && !isIPv6(unbracketed(host))) return `${want}; '${host}' is not an IPv6 address in brackets`;
  return undefined;
}

/** `[::1]`, as URLs write an IPv6 address, is `::1`. */
const unbracketed = (host: string): string => (/^\[.*\]$/.test(host) ? host.slice(1, -1) : host);
