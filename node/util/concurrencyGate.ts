/** The gate's queue is full: the caller is refused at once rather than queued without end. */
export class GateFullError extends Error {
  override readonly name = "GateFullError";
}

export interface ConcurrencyGateOptions {
  /** Work items running at once. */
  maxRunning: number;
  /** Items waiting for a slot; beyond this, run() throws GateFullError. */
  maxWaiting: number;
}

/** Runs at most maxRunning items at once, first come first served, with a bounded queue. */
export class ConcurrencyGate {
  #running = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(private readonly opts: ConcurrencyGateOptions) {}

  get running(): number {
    return this.#running;
  }

  get waiting(): number {
    return this.#waiting.length;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.#running >= this.opts.maxRunning) {
      if (this.#waiting.length >= this.opts.maxWaiting) {
        throw new GateFullError(`${this.#running} running and ${this.#waiting.length} waiting`);
      }
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else {
      this.#running++;
    }
    try {
      return await work();
    } finally {
      const next = this.#waiting.shift();
      // The slot passes straight to the next in line, so a newcomer cannot overtake it.
      if (next !== undefined) next();
      else this.#running--;
    }
  }
}
