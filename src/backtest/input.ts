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
  const trimmed = text.replace(/^\uFEFF/, '').trimStart();
  if (trimmed.startsWith('{')) return { rows: checkOrder(parsePrometheus(trimmed)), format: 'prometheus' };
  return { rows: checkOrder(parseCsv(trimmed)), format: 'csv' };
}

function parseCsv(text: string): Row[] {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? '').split(',').map((s) => s.trim().toLowerCase());
  if (header[0] !== 'timestamp' || header[1] !== 'balance' || header.length !== 2) {
    throw new InputError(`line 1: the header must be "timestamp,balance", got "${(lines[0] ?? '').slice(0, 80)}"`);
  }
  const rows: Row[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    const cells = line.split(',');
    if (cells.length !== 2) throw new InputError(`line ${i + 1}: expected 2 fields, got ${cells.length}`);
    const t = parseTimestamp(cells[0]!.trim());
    if (t === undefined) throw new InputError(`line ${i + 1}: "${cells[0]!.trim().slice(0, 40)}" is not an ISO-8601 time or unix seconds`);
    const balance = parseNumber(cells[1]!);
    if (balance === undefined) throw new InputError(`line ${i + 1}: balance "${cells[1]!.trim().slice(0, 40)}" is not a number`);
    rows.push({ t, balance });
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
  if ((doc as { status?: unknown }).status !== 'success' || data?.resultType !== 'matrix' || !Array.isArray(data.result)) {
    throw new InputError('expected a Prometheus query_range answer: {"status":"success","data":{"resultType":"matrix","result":[…]}}');
  }
  if (data.result.length !== 1) {
    throw new InputError(`the query returned ${data.result.length} series; backtest takes exactly one (add a label matcher such as {account="default"})`);
  }
  const values = (data.result[0] as { values?: unknown }).values;
  if (!Array.isArray(values)) throw new InputError('the series has no "values"');
  return values.map((pair, i) => {
    const [ts, v] = Array.isArray(pair) ? pair : [];
    const balance = typeof v === 'string' ? parseNumber(v) : undefined;
    if (typeof ts !== 'number' || !Number.isFinite(ts) || balance === undefined) throw new InputError(`values[${i}]: expected [unix seconds, "number"]`);
    return { t: Math.round(ts * 1000), balance };
  });
}

function parseTimestamp(s: string): number | undefined {
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  if (!/^\d{4}-\d\d-\d\d[T ]\d\d:\d\d/.test(s)) return undefined;
  const t = Date.parse(s);
  return Number.isFinite(t) ? t : undefined;
}

function parseNumber(s: string): number | undefined {
  const v = s.trim();
  if (!/^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(v)) return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

function checkOrder(rows: Row[]): Row[] {
  if (rows.length === 0) throw new InputError('no rows');
  for (let i = 1; i < rows.length; i++) {
    if (rows[i]!.t <= rows[i - 1]!.t) throw new InputError(`row ${i + 1}: timestamps must be strictly increasing (rows in time order)`);
  }
  return rows;
}
