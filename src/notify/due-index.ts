/**
 * Which of one target's owed deliveries may start, PURE (time passed in), without reading the whole queue at
 * every attempt: with 10,000 owed to a receiver that refuses them, each attempt's end scanned all 10,000.
 *
 * A delivery may start when it is the first owed delivery of each of its alerts (so an alert's notifications
 * arrive in order), is not in flight, is not held for a commit under way (`hold`), and is due; those that may start are started in queue order. The
 * index keeps each alert's deliveries in queue order, and the deliveries that are first of all of theirs in
 * two heaps: those not yet due by due time, those due by queue position. Entries that went stale (a delivery
 * removed, started, or no longer first after a digest took another alert) are dropped when they surface.
 */
import { notificationsOf, type Delivery } from './delivery.js';

/** A delivery waiting in the due-time heap, as it was when it was put there. */
interface Waiting {
  x: Delivery;
  at: number;
}

type State = Waiting | 'due' | 'flying';

/**
 * Deliveries held back (`hold`) until the commit that holds what they carry is done, by how many holds: two
 * enqueues may each add to one open digest. Kept by delivery, not by index: a reload may move a held delivery
 * to another target's index before its commit ends.
 */
const held = new WeakMap<Delivery, number>();

export class DueIndex {
  /** Queue positions (kept after removal: a stale heap entry must keep its place in the heap). */
  readonly #pos = new WeakMap<Delivery, number>();
  #last = 0;
  /** The deliveries owed (added and not removed). */
  readonly #owed = new Set<Delivery>();
  /** Alert id → its owed deliveries in queue order. */
  readonly #chains = new Map<string, Delivery[]>();
  /** Owed delivery → how many of its alerts' chains it is not first in (absent: 0, it may start). */
  readonly #blocked = new Map<Delivery, number>();
  /** First of all their alerts: waiting (the entry in #waiting that stands), due, or in flight. */
  readonly #state = new Map<Delivery, State>();
  readonly #waiting = new MinHeap<Waiting>((a, b) => a.at - b.at || this.#at(a.x) - this.#at(b.x));
  readonly #due = new MinHeap<Delivery>((a, b) => this.#at(a) - this.#at(b));

  /** `x` joined the end of the queue. */
  add(x: Delivery): void {
    this.#pos.set(x, this.#last++);
    this.#owed.add(x);
    for (const id of idsOf(x)) this.#join(id, x);
    this.#offer(x);
  }

  /**
   * `x` (an open digest) took a notification of alert `id`: it now waits for that alert's earlier deliveries,
   * and that alert's later ones wait for it.
   */
  grew(x: Delivery, id: string): void {
    if (this.#owed.has(x)) this.#join(id, x);
  }

  /** Whether a delivery of alert `id` other than `x` (any, without `x`) is owed: one `x` would have to wait for, were `id` in it. */
  owesOther(id: string, x?: Delivery): boolean {
    return this.#chains.get(id)?.some((y) => y !== x) ?? false;
  }

  /** The owed deliveries of alert `id`, in order (a copy). */
  chainOf(id: string): Delivery[] {
    return [...(this.#chains.get(id) ?? [])];
  }

  /** `x` carries what a commit under way writes: it does not start, from any index, until `release`d as often. */
  hold(x: Delivery): void {
    held.set(x, (held.get(x) ?? 0) + 1);
    if (this.#state.get(x) !== 'flying') this.#state.delete(x); // a heap entry of it goes stale
  }

  /** A commit that held `x` is done (or failed): it may start once due and first of its alerts. */
  release(x: Delivery): void {
    const n = (held.get(x) ?? 1) - 1;
    if (n > 0) return void held.set(x, n);
    held.delete(x);
    this.#offer(x);
  }

  /** `x` left the queue (accepted or given up): the next delivery of each of its alerts may become free. */
  removed(x: Delivery): void {
    if (!this.#owed.delete(x)) return;
    this.#state.delete(x);
    this.#blocked.delete(x);
    for (const id of idsOf(x)) {
      const chain = this.#chains.get(id);
      const i = chain?.indexOf(x) ?? -1;
      if (!chain || i < 0) continue;
      chain.splice(i, 1);
      if (chain.length === 0) this.#chains.delete(id);
      else if (i === 0) this.#unblock(chain[0]!);
    }
  }

  /** An attempt at `x` ended (its next attempt time set, if it stays owed). */
  landed(x: Delivery): void {
    if (this.#state.get(x) !== 'flying') return;
    this.#state.delete(x);
    this.#offer(x);
  }

  /** Every due time moved (a clock step): the waiting heap is built again. */
  retimed(): void {
    this.#waiting.clear();
    this.#due.clear();
    for (const [x, s] of [...this.#state]) {
      if (s === 'flying') continue;
      this.#state.delete(x);
      this.#offer(x);
    }
  }

  /**
   * Up to `slots` deliveries that may start now, in queue order, marked in flight (each gets `landed` when its
   * attempt ends); `wake`: when the earliest one not yet due will be (Infinity: none, or no slot was free).
   */
  take(now: number, slots: number): { start: Delivery[]; wake: number } {
    const start: Delivery[] = [];
    if (slots <= 0) return { start, wake: Infinity };
    for (let w = this.#waiting.peek(); w !== undefined && w.at <= now; w = this.#waiting.peek()) {
      this.#waiting.pop();
      if (this.#state.get(w.x) !== w) continue;
      this.#state.set(w.x, 'due');
      this.#due.push(w.x);
    }
    while (start.length < slots) {
      const x = this.#due.pop();
      if (x === undefined) break;
      if (this.#state.get(x) !== 'due') continue;
      this.#state.set(x, 'flying');
      start.push(x);
    }
    if (start.length >= slots) return { start, wake: Infinity };
    for (let w = this.#waiting.peek(); w !== undefined; w = this.#waiting.peek()) {
      if (this.#state.get(w.x) === w) return { start, wake: w.at };
      this.#waiting.pop();
    }
    return { start, wake: Infinity };
  }

  #at(x: Delivery): number {
    return this.#pos.get(x)!;
  }

  /** Puts `x` in alert `id`'s chain, in queue order (an open digest loaded at start may not be last). */
  #join(id: string, x: Delivery): void {
    const chain = this.#chains.get(id);
    if (!chain) return void this.#chains.set(id, [x]);
    if (chain.includes(x)) return;
    let i = chain.length;
    while (i > 0 && this.#at(chain[i - 1]!) > this.#at(x)) i--;
    chain.splice(i, 0, x);
    this.#block(i > 0 ? x : chain[1]!); // x waits for the chain's first, or the first now waits for x
  }

  #block(x: Delivery): void {
    this.#blocked.set(x, (this.#blocked.get(x) ?? 0) + 1);
    if (this.#state.get(x) !== 'flying') this.#state.delete(x);
  }

  #unblock(x: Delivery): void {
    const n = (this.#blocked.get(x) ?? 1) - 1;
    if (n > 0) return void this.#blocked.set(x, n);
    this.#blocked.delete(x);
    this.#offer(x);
  }

  /** Enters `x` in the waiting heap if it is owed, idle, not held and first of all its alerts. */
  #offer(x: Delivery): void {
    if (!this.#owed.has(x) || this.#state.has(x) || this.#blocked.has(x) || held.has(x)) return;
    const w = { x, at: x.nextAttemptAt };
    this.#state.set(x, w);
    this.#waiting.push(w);
  }
}

const idsOf = (x: Delivery): Set<string> => new Set(notificationsOf(x).map((n) => n.id));

/** A binary min-heap. */
class MinHeap<T> {
  #a: T[] = [];
  constructor(private readonly less: (a: T, b: T) => number) {}

  peek(): T | undefined {
    return this.#a[0];
  }

  clear(): void {
    this.#a = [];
  }

  push(v: T): void {
    const a = this.#a;
    a.push(v);
    for (let i = a.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if (this.less(a[i]!, a[p]!) >= 0) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }

  pop(): T | undefined {
    const a = this.#a;
    const top = a[0];
    const end = a.pop();
    if (a.length === 0 || end === undefined) return top;
    a[0] = end;
    for (let i = 0; ; ) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < a.length && this.less(a[l]!, a[m]!) < 0) m = l;
      if (r < a.length && this.less(a[r]!, a[m]!) < 0) m = r;
      if (m === i) break;
      [a[i], a[m]] = [a[m]!, a[i]!];
      i = m;
    }
    return top;
  }
}
