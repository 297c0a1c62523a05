import { loadArtifact } from "../../contracts/artifacts.ts";
import { errorMessage } from "../../node/util/errors.ts";

/** Where a flow runs: a node's HTTP and WebSocket RPC, and the private key of an account it may spend from. */
export interface FlowTarget {
  rpcUrl: string;
  wsUrl: string;
  key: `0x${string}`;
}

/** A flow's expectation that the node (or the library against it) did not meet. */
export class FlowFailure extends Error {
  override readonly name = "FlowFailure";
}

export function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new FlowFailure(message);
}

/** A bound on every receipt wait, so a flow ends even when its transaction never lands. */
export const WAIT_MS = 30_000;

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Polls until the probe returns a value; the deadline bounds every wait of a flow, so a flow always ends (and
 * closes its providers) even when the node never answers as hoped.
 */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  deadlineMs = 30_000,
  intervalMs = 200,
): Promise<T> {
  const start = Date.now();
  let lastError = "";
  while (Date.now() - start < deadlineMs) {
    try {
      const value = await probe();
      if (value !== undefined && value !== null && value !== false) return value;
    } catch (err) {
      lastError = errorMessage(err);
    }
    await sleep(intervalMs);
  }
  throw new FlowFailure(
    `timed out after ${deadlineMs} ms waiting for ${what}${lastError ? ` (${lastError})` : ""}`,
  );
}

/**
 * A wallet's speed-up or cancel price: 10% more, rounded up, as the replacement rule asks (geth: both the tip and
 * the fee cap at least +10%); rounding down would leave a small tip short of the bump.
 */
export function bumped(wei: bigint): bigint {
  return (wei * 110n + 99n) / 100n;
}

/**
 * Records unhandled promise rejections while a flow runs: a library that raises one would crash an ordinary Node
 * app, so it fails the flow (the runner also keeps the process alive through it, as the app would not).
 */
function watchUnhandledRejections(relevant: RegExp): { stop(): string[] } {
  const seen: string[] = [];
  // Flows run side by side: only the rejections of this flow's own requests are its failure.
  const listener = (reason: unknown) => {
    const message = errorMessage(reason);
    if (relevant.test(message)) seen.push(message);
  };
  process.on("unhandledRejection", listener);
  return {
    stop() {
      process.off("unhandledRejection", listener);
      return seen;
    },
  };
}

/**
 * Runs a flow and fails it on an unhandled rejection of its own requests, also one that a library raises just
 * after the flow unsubscribed and closed its provider (that too crashes an app).
 */
export async function withoutUnhandledRejections(
  relevant: RegExp,
  run: () => Promise<string>,
): Promise<string> {
  const watch = watchUnhandledRejections(relevant);
  let detail: string;
  try {
    detail = await run();
  } finally {
    await sleep(REJECTION_GRACE_MS);
    const seen = watch.stop();
    check(seen.length === 0, `unhandled promise rejection: ${seen.join(" | ")}`);
  }
  return detail;
}

const REJECTION_GRACE_MS = 500;

/**
 * The contract the flows deploy: EvmProbe from the contracts' test sources (storage slot 0 is `count`, `inc()`
 * emits Incremented(count), `fail(reason)` reverts with the reason). Compiled by `npm run compile:contracts`.
 */
export interface ProbeArtifact {
  abi: readonly unknown[];
  bytecode: `0x${string}`;
}

let probe: Promise<ProbeArtifact> | null = null;

export function loadProbe(): Promise<ProbeArtifact> {
  probe ??= loadArtifact("EvmProbe", { source: "test/EvmProbe" }).then((a) => ({
    abi: a.abi as readonly unknown[],
    bytecode: a.bytecode as `0x${string}`,
  }));
  return probe;
}

/** What a refusal of an EIP-7702 transaction must mention: EIP-7702, authorizations, set-code, or type 4. */
export const CLEAR_SET_CODE_REFUSAL = /7702|authori[sz]ation|set[- ]?code|\btype\b.*\b(0x)?0?4\b/i;

/** A version hash of an (absent) blob, for the blob transaction that must be refused. */
export const SOME_BLOB_VERSIONED_HASH = `0x01${"ab".repeat(31)}` as const;

/** What a refusal of a blob transaction must mention, so a user knows why it was refused: blobs, or type 3. */
export const CLEAR_BLOB_REFUSAL = /blob|eip-?4844|\btype\b.*\b(0x)?0?3\b/i;

/** What the promise rejected with, or null when it fulfilled: for flows whose success is a refusal. */
export function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => null,
    (err: unknown) => err ?? new Error("rejected without a reason"),
  );
}
