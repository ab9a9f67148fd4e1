/**
 * The forecast benchmark's report (bench/forecast/report.ts): the diagnostics it prints beside the totals.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { warnedApart } from '../../bench/forecast/report.js';
import type { HistoryResult, Method } from '../../bench/forecast/run.js';
import type { HistoryScore, JudgedDepletion } from '../../bench/forecast/scoring.js';

const T0 = Date.parse('2026-11-02T00:00:00Z');
const H = 3_600_000;

/** A depletion `hours` after T0 (reset at T0), warned ≥ 72 h or not, eligible unless said otherwise. */
function depletion(hours: number, warned72: boolean, eligible72 = true): JudgedDepletion {
  return {
    t: T0 + hours * H,
    u: T0,
    eligible72,
    eligible24: true,
    leadMs: null,
    criticalLeadMs: null,
    warned72,
    critical24: false,
    missed: false,
    warnedByFalseAlarm: false,
    criticalByFalseAlarm: false,
  };
}

function result(ours: JudgedDepletion[], predictLinear: JudgedDepletion[]): HistoryResult {
  const score = (depletions: JudgedDepletion[]): HistoryScore => ({ depletions, alarms: [] });
  const scores: Record<Method, HistoryScore> = { ours: score(ours), predict_linear: score(predictLinear), static: score([]) };
  return { name: 'h#1', kind: 'h', part: 'tuning', seed: 1, description: '', rows: 0, startMs: T0, spanMs: 400 * H, replayMs: 0, scores };
}

test('warnedApart counts the depletions warned 72 h ahead by one method only, and predict_linear\'s due in the first 30 h', () => {
  const r = result(
    [depletion(90, false), depletion(102, false), depletion(200, false), depletion(300, true), depletion(350, true), depletion(380, false, false)],
    [depletion(90, true), depletion(102, true), depletion(200, true), depletion(300, false), depletion(350, true), depletion(380, true, false)],
  );
  // 90 h: due 18 h after the first reading (young); 102 h: due at 30 h, the end of the cautious reading (not young).
  assert.deepEqual(warnedApart([r]), { predictLinearOnly: 3, young: 1, oursOnly: 1 });
  // Summed over histories, each young from its own first reading: due 38 h after T0 is 14 h into one that began at T0 + 24 h.
  const later = { ...result([depletion(110, false)], [depletion(110, true)]), startMs: T0 + 24 * H };
  assert.deepEqual(warnedApart([r, later]), { predictLinearOnly: 4, young: 2, oursOnly: 1 });
  assert.deepEqual(warnedApart([{ ...later, startMs: T0 }]), { predictLinearOnly: 1, young: 0, oursOnly: 0 });
});
