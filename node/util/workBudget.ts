import { performance } from "node:perf_hooks";
import { setImmediate as nextTurn } from "node:timers/promises";

/** The work of a request ran past its deadline, or its caller gave up on it. */
export class WorkTimeoutError extends Error {
  override readonly name = "WorkTimeoutError";
}

export interface WorkBudgetOptions {
  /** Wall-clock time the work may take in all, from now. */
  timeoutMs: number;
  /** Work runs at most this long before it lets the event loop turn (consensus timers, other requests). */
  sliceMs?: number;
}

const DEFAULT_SLICE_MS = 20;

/**
 * A deadline that long-running request work (an EVM call, a log scan) checks at its loop points. Checked against
 * the monotonic clock rather than a timer, because a timer cannot fire while the work holds the event loop.
 */
export class WorkBudget {
  readonly #deadline: number;
  readonly #sliceMs: number;
  readonly #timeoutMs: number;
  #sliceStart: number;
  #aborted = false;

  constructor(opts: WorkBudgetOptions) {
    const now = performance.now();
    this.#timeoutMs = opts.timeoutMs;
    this.#deadline = now + opts.timeoutMs;
    this.#sliceMs = opts.sliceMs ?? DEFAULT_SLICE_MS;
    this.#sliceStart = now;
  }

  /** A budget that never runs out (work the node does for itself). */
  static unbounded(): WorkBudget {
    return new WorkBudget({ timeoutMs: Number.POSITIVE_INFINITY, sliceMs: Number.POSITIVE_INFINITY });
  }

  get timeoutMs(): number {
    return this.#timeoutMs;
  }

  /** The caller stopped waiting: the work stops at its next check. */
  abort(): void {
    this.#aborted = true;
  }

  /** Time left before the deadline, at least 0. */
  remainingMs(): number {
    return Math.max(0, this.#deadline - performance.now());
  }

  get expired(): boolean {
    return this.#aborted || performance.now() > this.#deadline;
  }

  /** Throws WorkTimeoutError once the budget is spent; cheap enough for every loop iteration. */
  check(): void {
    if (this.expired) throw new WorkTimeoutError(`work stopped after ${this.#timeoutMs} ms`);
  }

  /** check(), and once the current slice is used up, lets the event loop turn before going on. */
  async checkpoint(): Promise<void> {
    this.check();
    const now = performance.now();
    if (now - this.#sliceStart < this.#sliceMs) return;
    await nextTurn();
    this.#sliceStart = performance.now();
    this.check();
  }
}
