/**
 * ALERT_WEBHOOK_URL (contract section 2, unchanged): a comma-separated list of URLs, each optionally prefixed
 * by a channel's format (`slack+https://…`, `pagerduty+https://…`); the prefixes are the channels' own
 * (ChannelSpec.envFormat), so a new HTTP channel brings its prefix with it.
 */
import type { z } from 'zod';
import type { WebhookTarget } from '../config/settings.js';
import { Secret } from '../config/secret.js';
import { CHANNELS } from './registry.js';

const fail = (ctx: z.RefinementCtx, message: string): never => {
  ctx.addIssue({ code: 'custom', message });
  return undefined as never;
};

export function webhookTargets(list: string, ctx: z.RefinementCtx): WebhookTarget[] {
  const entries = list.split(',').map((s) => s.trim()).filter(Boolean);
  if (entries.length === 0) return fail(ctx, 'no URL given');
  const prefixes = CHANNELS.map((c) => c.envFormat).filter((f): f is string => f !== undefined && f !== 'json');
  return entries.map((entry, i) => {
    const m = /^([a-z]+)\+(https?:.*)$/.exec(entry);
    const format = m ? m[1]! : 'json';
    const raw = m ? m[2]! : entry;
    if (!CHANNELS.some((c) => c.envFormat === format)) return fail(ctx, `URL #${i + 1}: unknown format prefix '${format}+' (use ${prefixes.map((p) => `${p}+`).join(' or ')})`);
    // new URL() encodes a blank as %20: "https://a/x https://b/y" (a list written with spaces) became one URL
    if (/\s/.test(raw)) return fail(ctx, `URL #${i + 1}: holds a space or other blank: separate several URLs with commas, and write a blank that belongs to the URL percent-encoded (%20)`);
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return fail(ctx, `URL #${i + 1}: not a valid URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return fail(ctx, `URL #${i + 1}: scheme ${url.protocol} is not http: or https:`);
    return { url: new Secret(raw), format, label: `webhook#${i + 1}${format === 'json' ? '' : `/${format}`} (${url.host})` };
  });
}
