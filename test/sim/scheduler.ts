/**
 * Discrete-event simulated clock. Events run in (time, insertion order) order, so two events at the same
 * instant always run in the order they were scheduled: no real timers, no wall clock, fully reproducible.
 */
export type SimTask = () => void;

interface Entry {
  time: number;
  seq: number;
  task: SimTask;
}

export class Scheduler {
  private heap: Entry[] = [];
  private seq = 0;
  private current = 0;
  private executed = 0;

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

  at(time: number, task: SimTask): void {
    // Scheduling in the past would silently reorder causality; clamp to now instead.
    this.push({ time: Math.max(time, this.current), seq: this.seq++, task });
  }

  after(delayMs: number, task: SimTask): void {
    this.at(this.current + Math.max(0, delayMs), task);
  }

  /**
   * Runs events until `done()` holds (checked after each event), the queue drains, or the next event lies
   * beyond `untilMs`; in the last two cases the clock ends at untilMs. Returns why it stopped.
   */
  run(untilMs: number, done: () => boolean): "done" | "idle" | "timeLimit" {
    if (done()) return "done";
    for (;;) {
      const head = this.heap[0];
      if (head === undefined) {
        // Nothing can happen before untilMs any more, so that much simulated time has passed.
        if (Number.isFinite(untilMs)) this.current = Math.max(this.current, untilMs);
        return "idle";
      }
      if (head.time > untilMs) {
        this.current = untilMs;
        return "timeLimit";
      }
      this.pop();
      this.current = head.time;
      this.executed++;
      head.task();
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
