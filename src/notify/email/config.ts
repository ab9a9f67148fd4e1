/**
 * An `email:` entry of a receiver: `to` (a list or a comma-separated string); `from`, `smtp_url` (or
 * `smtp_url_file`) and `require_tls` default to the environment's ALERT_EMAIL_FROM, SMTP_URL and
 * SMTP_REQUIRE_TLS, so one mail server serves every receiver unless an entry names its own.
 */
import { emailAddress, emailSender, isLoopbackSmtp, smtpUrlProblem, tlsOptOut } from '../../config/fields.js';
import type { EmailSettings } from '../../config/settings.js';
import type { ChannelSpec } from '../channel.js';
import { checkKeys, secretField, stringField } from '../config-fields.js';
import { EmailNotifier } from './email.js';

export const emailChannel: ChannelSpec<EmailSettings & { ownSmtpUrl: boolean; ownFrom: boolean; ownTls: boolean }> = {
  kind: 'email',
  keys: ['to', 'from', 'smtp_url', 'smtp_url_file', 'require_tls'],
  parse(raw, add, cx) {
    checkKeys(raw, this.keys, add);
    const rawTo = raw.to;
    const list = Array.isArray(rawTo) ? rawTo.map(String) : typeof rawTo === 'string' ? rawTo.split(',') : [];
    const to = list.map((s) => s.trim()).filter(Boolean);
    if (to.length === 0) add('to', 'is required: a list of email addresses');
    else if (to.some((a) => !emailAddress.test(a))) add('to', 'is not a list of email addresses');
    const from = stringField(raw, 'from', add)?.trim() ?? cx.env.email.from;
    if (from === undefined) add('from', 'is required (or set ALERT_EMAIL_FROM)');
    else if (!emailSender(from)) add('from', 'is not an email address (or a name and <address>)');
    const own = secretField(raw, 'smtp_url', add, { required: false, warnings: cx.warnings, where: cx.where });
    const smtpUrl = own ?? cx.env.email.smtpUrl;
    // An smtp_url or smtp_url_file given but unusable already has its own problem: not also 'is required'.
    const ownGiven = [raw.smtp_url, raw.smtp_url_file].some((v) => v !== undefined && v !== null && v !== '');
    if (smtpUrl === undefined && !ownGiven) add('smtp_url', 'is required (or smtp_url_file, or SMTP_URL in the environment)');
    else if (own) {
      const problem = smtpUrlProblem(own.reveal());
      if (problem) add('smtp_url', problem);
      const optOut = tlsOptOut(own.reveal());
      if (optOut.length > 0) cx.warnings.push(`${cx.where}smtp_url: its query turns TLS protection off: ${optOut.join(', ')}`);
    }
    const tls = stringField(raw, 'require_tls', add) ?? 'auto';
    if (!['auto', 'true', 'false'].includes(tls)) add('require_tls', 'must be auto, true or false');
    if (!smtpUrl || !from || to.length === 0) return undefined;
    let host = 'smtp';
    try {
      host = new URL(smtpUrl.reveal()).host;
    } catch {
      // reported above
    }
    const requireTls = own === undefined && tls === 'auto' && cx.env.email.requireTls !== undefined ? cx.env.email.requireTls : tls === 'auto' ? !isLoopbackSmtp(smtpUrl.reveal()) : tls === 'true';
    return { config: { smtpUrl, from, to, requireTls, caPem: cx.env.email.caPem, ownSmtpUrl: own !== undefined, ownFrom: raw.from !== undefined, ownTls: tls !== 'auto' || own !== undefined }, host };
  },
  destination: (c) => [...c.to].map((a) => a.toLowerCase()).sort().join(','), // whichever server sends it
  // Named in logs like the receiver's other channels; its errors point at the entry's own settings, or at
  // the environment's it falls back on (a refused password in its smtp_url is not SMTP_URL's).
  create: (c, key, label) =>
    new EmailNotifier(c, key, label, {
      url: c.ownSmtpUrl ? `the smtp_url of ${label}` : 'SMTP_URL',
      addresses: c.ownFrom ? `the from and to of ${label}` : `the to of ${label} and ALERT_EMAIL_FROM`,
      recipients: `the to of ${label}`,
      noTls: c.ownTls ? `set require_tls: false in ${label}` : 'set SMTP_REQUIRE_TLS=false',
    }),
};
