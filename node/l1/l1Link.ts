import type { Address } from "../crypto/index.ts";
import type { ServiceLogger } from "../util/logger.ts";
import { CheckpointTracker } from "./checkpointTracker.ts";
import { DEFAULT_L1_GATE, L1Gate } from "./l1Gate.ts";
import { createL1Reader, type L1Call, type L1Reader } from "./l1Reader.ts";

/** The genesis L1 section's fields a node needs to follow L1. */
export interface L1LinkOptions {
  chainId: bigint;
  bridge: Address;
  checkpointManager: Address;
  confirmations: number;
  deploymentBlock: number;
}

/** Where a node counts its L1 traffic (its metrics); optional, so a test can open a link without them. */
export interface L1LinkObserver {
  /** Each JSON-RPC request sent to L1. */
  onRequest?: (call: L1Call) => void;
  /** Each caller refused because too many L1 requests were waiting. */
  onBusy?: () => void;
}

/**
 * A node's connection to L1: the reader (deposits are confirmed through it) and where checkpoints stand there. The
 * reader is the bounded gate: nothing in the node reaches L1 around it.
 */
export interface L1Link {
  reader: L1Reader;
  tracker: CheckpointTracker;
}

export async function openL1Link(
  url: string,
  l1: L1LinkOptions,
  observer: L1LinkObserver = {},
): Promise<L1Link> {
  const direct = await createL1Reader({
    url,
    chainId: l1.chainId,
    bridge: l1.bridge,
    checkpointManager: l1.checkpointManager,
    confirmations: l1.confirmations,
    onRequest: observer.onRequest,
  });
  const reader = new L1Gate(
    { ...DEFAULT_L1_GATE, confirmations: l1.confirmations },
    { reader: direct, onBusy: observer.onBusy },
  );
  return { reader, tracker: new CheckpointTracker(l1.deploymentBlock, reader) };
}

/** The link a node's config asks for: none for a chain without L1 or a node without an L1 URL. */
export async function connectL1(
  opts: { url: string | null; l1: L1LinkOptions | null; validator: boolean },
  modules: { logger: ServiceLogger } & L1LinkObserver,
): Promise<L1Link | null> {
  if (opts.l1 === null) return null;
  if (opts.url === null) {
    if (opts.validator)
      modules.logger.warn(
        { l1ChainId: opts.l1.chainId.toString() },
        "no l1RpcUrl: this validator cannot confirm deposits and will prevote nil on blocks with claims",
      );
    return null;
  }
  return openL1Link(opts.url, opts.l1, modules);
}
