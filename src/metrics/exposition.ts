/**
 * The Prometheus text format 0.0.4, written the way prom-client 15 writes it (registry.js, util.js), so
 * the families written here and the ones prom-client writes read alike on one page, byte for byte.
 */

/** A sample's value: `Nan` (prom-client's spelling; the format reads it case-insensitively), `+Inf`, `-Inf`, else JS's shortest round-trip. */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'Nan';
  if (v === Number.POSITIVE_INFINITY) return '+Inf';
  if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  return `${v}`;
}

/** HELP text: backslash and newline escaped. */
export const escapeHelp = (s: string): string => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

/** A label value: backslash, newline and double quote escaped. */
export const escapeLabelValue = (s: string): string => escapeHelp(s).replace(/"/g, '\\"');

/** `name="value"` with the value escaped. */
export const labelPair = (name: string, value: string): string => `${name}="${escapeLabelValue(value)}"`;

/** A family's two header lines (no trailing newline). */
export const familyHeader = (name: string, help: string, type: string): string => `# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} ${type}`;
