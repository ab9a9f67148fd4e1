/**
 * Balance histories for `backtest`: a CSV with header `timestamp,balance` (ISO-8601 or unix seconds), or
 * the JSON that Prometheus's /api/v1/query_range returns for one balance series. PURE: text in, rows out.
 */

export interface Row {
  t: number;
  balance: number;
}

export class InputError extends Error {
  override name = 'InputError';
}

export function parseHistory(text: string): { rows: Row[]; format: 'csv' | 'prometheus' } {
  const body = text.replace(/^\uFEFF/, '');
  if (body.trimStart().startsWith('{')) return { rows: nonEmpty(parsePrometheus(body)), format: 'prometheus' };
  return { rows: nonEmpty(parseCsv(body)), format: 'csv' };
}

function parseCsv(text: string): Row[] {
  const lines = text.split(/\r?\n/);
  const h = lines.findIndex((l) => l.trim() !== ''); // blank lines before the header are skipped, not renumbered
  const headerLine = lines[h] ?? '';
  const header = headerLine.split(',').map((s) => s.trim().toLowerCase());
  if (header[0] !== 'timestamp' || header[1] !== 'balance' || header.length !== 2) {
    throw new InputError(`line ${Math.max(h, 0) + 1}: the header must be "timestamp,balance", got "${headerLine.slice(0, 80)}"`);
  }
  const rows: Row[] = [];
  for (let i = h + 1; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    const cells = line.split(',');
    if (cells.length !== 2) throw new InputError(`line ${i + 1}: expected 2 fields, got ${cells.length}`);
    const t = parseTimestamp(cells[0]!.trim());
    if (t === undefined) {
      throw new InputError(`line ${i + 1}: "${cells[0]!.trim().slice(0, 40)}" is not unix seconds or a valid ISO-8601 time with a zone (Z or ±hh:mm)`);
    }
    const balance = parseNumber(cells[1]!);
    if (balance === undefined) throw new InputError(`line ${i + 1}: balance "${cells[1]!.trim().slice(0, 40)}" is not a number`);
    push(rows, { t, balance }, `line ${i + 1}`);
  }
  return rows;
}

function parsePrometheus(text: string): Row[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new InputError('not valid JSON (expected the body of a Prometheus /api/v1/query_range answer)');
  }
  const data = (doc as { status?: unknown; data?: { resultType?: unknown; result?: unknown } }).data;
  const { status, error } = doc as { status?: unknown; error?: unknown };
  if (status === 'error') throw new InputError(`Prometheus answered an error: ${String(error ?? 'no message').slice(0, 200)}`);
  if (status !== 'success' || data?.resultType !== 'matrix' || !Array.isArray(data.result)) {
    throw new InputError('expected a Prometheus query_range answer: {"status":"success","data":{"resultType":"matrix","result":[…]}}');
  }
  if (data.result.length !== 1) {
    throw new InputError(`the query returned ${data.result.length} series; backtest takes exactly one (add a label matcher such as {account="default"})`);
  }
  const values = (data.result[0] as { values?: unknown }).values;
  if (!Array.isArray(values)) throw new InputError('the series has no "values"');
  const rows: Row[] = [];
  values.forEach((pair: unknown, i) => {
    const [ts, v] = Array.isArray(pair) ? (pair as unknown[]) : [];
    const balance = typeof v === 'string' ? parseNumber(v) : undefined;
    if (typeof ts !== 'number' || !Number.isFinite(ts) || balance === undefined) throw new InputError(`values[${i}]: expected [unix seconds, "number"]`);
    push(rows, { t: Math.round(ts * 1000), balance }, `values[${i}]`);
  });
  return rows;
}

/**
 * Unix seconds, or ISO-8601 with a zone: a time without one would depend on the machine's time zone,
 * and an impossible date (Feb 30) is refused rather than rolled over.
 */
function parseTimestamp(s: string): number | undefined {
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  const m = /^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d)(?::(\d\d)(?:\.\d+)?)?(Z|[+-]\d\d:?\d\d)$/i.exec(s);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map((x) => Number(x ?? 0)) as [number, number, number, number, number, number];
  const civil = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  if (civil.getUTCMonth() !== month - 1 || civil.getUTCDate() !== day || hour > 23 || minute > 59 || second > 60) return undefined;
  const t = Date.parse(s.replace(' ', 'T'));
  return Number.isFinite(t) ? t : undefined;
}

function parseNumber(s: string): number | undefined {
  const v = s.trim();
  if (!/^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(v)) return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

/** Appends a row that must be later than the previous one. */
function push(rows: Row[], row: Row, where: string): void {
  const prev = rows.at(-1);
  if (prev && row.t <= prev.t) throw new InputError(`${where}: timestamps must be strictly increasing (rows in time order)`);
  rows.push(row);
}

function nonEmpty(rows: Row[]): Row[] {
  if (rows.length === 0) throw new InputError('no rows');
  return rows;
}
