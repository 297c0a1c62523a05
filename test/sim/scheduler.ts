/**
 * Discrete-event simulated clock. Events run in (time, insertion order) order, so two events at the same
 * instant always run in the order they were scheduled: no real timers, no wall clock, fully reproducible.
 */
export type SimTask = () => void;

/** Waits until the promise chains the last task started have run to their end (see `run`). */
export type Settle = () => Promise<void>;

interface Entry {
  time: number;
  seq: number;
  task: SimTask;
  cancelled: boolean;
}

/**
 * Node runs a process.nextTick callback queued by a microtask only once the microtask queue is empty, so when
 * this resolves every promise chain that waits on nothing but settled promises has finished, in an order that
 * depends only on the program. Unlike setImmediate it does not go through the event loop on every task.
 */
export const settleMicrotasks: Settle = () => new Promise((resolve) => process.nextTick(resolve));

export class Scheduler {
  private heap: Entry[] = [];
  private seq = 0;
  private current = 0;
  private executed = 0;
  private taskStartedAsyncWork = false;

  get now(): number {
    return this.current;
  }

  /** Number of tasks run so far: a cheap measure of simulation work. */
  get eventsRun(): number {
    return this.executed;
  }

  get pending(): number {
    return this.heap.length;
  }

  /** The running task started asynchronous work: `run` awaits it before the next task. */
  markAsync(): void {
    this.taskStartedAsyncWork = true;
  }

  /** Returns a function that cancels the task if it has not run yet. */
  at(time: number, task: SimTask): () => void {
    // Scheduling in the past would silently reorder causality; clamp to now instead.
    const entry: Entry = { time: Math.max(time, this.current), seq: this.seq++, task, cancelled: false };
    this.push(entry);
    return () => {
      entry.cancelled = true;
    };
  }

  after(delayMs: number, task: SimTask): () => void {
    return this.at(this.current + Math.max(0, delayMs), task);
  }

  /**
   * Runs events until `done()` holds (checked after each event), the queue drains, or the next event lies
   * beyond `untilMs`; in the last two cases the clock ends at untilMs. Returns why it stopped. After an
   * event that called markAsync it awaits `settle`, so the asynchronous work the event started (the consensus
   * driver awaits its ports) finishes at the event's instant, before the clock moves on. Settling after every
   * event would do the same, but most events (duplicate gossip, ticks) never reach a driver.
   */
  async run(
    untilMs: number,
    done: () => boolean,
    settle: Settle = settleMicrotasks,
  ): Promise<"done" | "idle" | "timeLimit"> {
    if (done()) return "done";
    for (;;) {
      const head = this.heap[0];
      if (head === undefined) {
        // Nothing can happen before untilMs any more, so that much simulated time has passed.
        if (Number.isFinite(untilMs)) this.current = Math.max(this.current, untilMs);
        return "idle";
      }
      if (head.cancelled) {
        this.pop();
        continue;
      }
      if (head.time > untilMs) {
        this.current = untilMs;
        return "timeLimit";
      }
      this.pop();
      this.current = head.time;
      this.executed++;
      this.taskStartedAsyncWork = false;
      head.task();
      if (this.taskStartedAsyncWork) await settle();
      if (done()) return "done";
    }
  }

  private push(entry: Entry): void {
    const heap = this.heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent] as Entry;
      if (!before(entry, p)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = entry;
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop();
    if (last === undefined || heap.length === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= heap.length) break;
      const r = l + 1;
      const child = r < heap.length && before(heap[r] as Entry, heap[l] as Entry) ? r : l;
      const c = heap[child] as Entry;
      if (!before(c, last)) break;
      heap[i] = c;
      i = child;
    }
    heap[i] = last;
  }
}

function before(a: Entry, b: Entry): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}
