/**
 * The slots a fleet's rounds laid out (slots.ts) that have not come due yet, in time order, and the one
 * timer that hands them over when they do (schedule.ts decides what a due slot polls). Slots are on the
 * wall clock, so a step of it moves them (shift).
 */
import { MAX_TIMER_MS } from '../deadline.js';
import type { Slot } from './slots.js';

export class SlotTimeline {
  /**
   * Slots of the current round, in time order; those before #head came due. Taken by moving the index,
   * not by splice: past ~16,000 elements an array's splice from the front moves all the others each time.
   */
  #slots: Slot[] = [];
  #head = 0;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  /** `now`: the wall clock the slots are laid out on; `onDue`: the slots that came due, in time order. */
  constructor(private readonly now: () => number, private readonly onDue: (due: Slot[]) => void) {}

  /** A round's slots. Slots of the last round still waiting (a blocked loop) stay ahead of the new ones. */
  add(slots: readonly Slot[]): void {
    this.#slots = [...this.#slots.slice(this.#head), ...slots].sort((a, b) => a.at - b.at);
    this.#head = 0;
    this.#arm();
  }

  /** The wall clock stepped by `jumpMs`: the waiting slots, and their polls' deadlines, move with it. */
  shift(jumpMs: number): void {
    this.#slots = this.#slots.slice(this.#head).map((s) => ({ ...s, at: s.at + jumpMs, deadline: s.deadline === undefined ? undefined : s.deadline + jumpMs }));
    this.#head = 0;
    this.#arm();
  }

  /** No slot comes due any more (the schedule stops). */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#slots = [];
    this.#head = 0;
  }

  #arm(): void {
    clearTimeout(this.#timer);
    const first = this.#slots[this.#head];
    if (first === undefined || this.#closed) return;
    // Clamped: Node fires a longer delay at once, and #due would re-arm it every millisecond (a monthly schedule).
    this.#timer = setTimeout(() => this.#due(), Math.min(MAX_TIMER_MS, Math.max(0, first.at - this.now())));
  }

  #due(): void {
    const now = this.now();
    let n = this.#head;
    while (n < this.#slots.length && this.#slots[n]!.at <= now) n++;
    const due = this.#slots.slice(this.#head, n);
    this.#head = n;
    if (n === this.#slots.length || (n >= 1024 && 2 * n >= this.#slots.length)) {
      this.#slots = this.#slots.slice(n);
      this.#head = 0;
    }
    this.onDue(due);
    this.#arm();
  }
}
