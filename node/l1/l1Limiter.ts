import { L1UnavailableError } from "./l1Reader.ts";

/**
 * At most `maxInFlight` L1 calls at once and `maxQueued` waiting for a slot. A caller beyond that is refused at
 * once: a queue without end would turn a flood of requests into unbounded memory and ever later answers.
 */
export class L1Limiter {
  private inFlight = 0;
  private readonly queue: (() => void)[] = [];

  constructor(
    private readonly opts: { maxInFlight: number; maxQueued: number },
    private readonly onBusy: () => void = () => {},
  ) {}

  /** Runs `call` when a slot is free; rejects with L1UnavailableError("L1 busy") when the queue is full. */
  async run<T>(call: () => Promise<T>): Promise<T> {
    if (this.inFlight >= this.opts.maxInFlight) {
      if (this.queue.length >= this.opts.maxQueued) {
        this.onBusy();
        throw new L1UnavailableError("L1 busy");
      }
      // The slot is handed over by release(), so inFlight never counts a waiter twice.
      await new Promise<void>((resolve) => this.queue.push(resolve));
    } else {
      this.inFlight++;
    }
    try {
      return await call();
    } finally {
      this.release();
    }
  }

  private release(): void {
    const next = this.queue.shift();
    if (next === undefined) this.inFlight--;
    else next();
  }

  /** Calls running now (for tests and the node's status). */
  get running(): number {
    return this.inFlight;
  }

  get waiting(): number {
    return this.queue.length;
  }
}
