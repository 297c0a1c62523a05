import { setTimeout as sleep } from "node:timers/promises";
import { BridgeClientError, WaitTimeoutError } from "./errors.ts";

export interface WaitOptions<T> {
  /** Stop polling once this holds for a polled value. */
  until: (value: T) => boolean;
  /** Called with every polled value, so a display can update as stages advance. */
  onProgress?: (value: T) => void;
  /** Called when a poll fails with an error that may pass (a node restarting, a network blip). */
  onTransientError?: (err: Error) => void;
  timeoutMs?: number;
  intervalMs?: number;
  signal?: AbortSignal;
}

/**
 * Polls `poll` until `until` holds or the timeout passes. BridgeClientErrors end the wait at once because they
 * are definite answers; other errors are retried, since a bridge transfer outlives many RPC hiccups.
 */
export async function waitFor<T>(poll: () => Promise<T>, opts: WaitOptions<T>): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 10 * 60_000;
  const deadline = Date.now() + timeoutMs;
  const interval = opts.intervalMs ?? 1_000;
  let last: T | undefined;
  let lastError: Error | null = null;
  for (;;) {
    opts.signal?.throwIfAborted();
    try {
      last = await poll();
      lastError = null;
      opts.onProgress?.(last);
      if (opts.until(last)) return last;
    } catch (err) {
      if (err instanceof BridgeClientError || !(err instanceof Error)) throw err;
      lastError = err;
      opts.onTransientError?.(err);
    }
    if (Date.now() + interval > deadline) {
      const reason = lastError === null ? "" : ` (last error: ${lastError.message})`;
      throw new WaitTimeoutError(
        `gave up waiting after ${Math.round((opts.timeoutMs ?? 600_000) / 1000)} s${reason}`,
        last,
      );
    }
    await sleep(interval, undefined, opts.signal ? { signal: opts.signal } : undefined);
  }
}
