import { setTimeout as sleep } from "node:timers/promises";
import type { Address } from "../../node/crypto/index.ts";
import { errorMessage } from "../../node/util/errors.ts";
import type { SidechainRpc } from "../sidechainRpc.ts";
import { RelayerConfigError } from "./errors.ts";
import type { L1Finality } from "./l1.ts";

/** What the relayer needs to know about L1, all of it from the node, so it cannot disagree with the validators. */
export interface BridgeSettings {
  l1ChainId: bigint;
  bridge: Address;
  checkpointManager: Address;
  deploymentBlock: number;
  confirmations: L1Finality;
}

export interface StartupOptions {
  signal: AbortSignal;
  retryMs?: number;
  /** Told about each failed attempt while an endpoint is not up yet. */
  onRetry: (what: string, err: Error) => void;
}

/**
 * Waits until the node answers at all (under docker-compose or the devnet it may still be starting), then reads
 * its bridge settings once: a node that answers but cannot say is misconfigured, and waiting would not help.
 */
export async function readBridgeSettings(
  sidechain: Pick<SidechainRpc, "url" | "status" | "bridgeInfo">,
  opts: StartupOptions,
): Promise<BridgeSettings> {
  await untilAnswered(() => sidechain.status(), `the sidechain node at ${sidechain.url}`, opts);
  let info: Awaited<ReturnType<SidechainRpc["bridgeInfo"]>>;
  try {
    info = await sidechain.bridgeInfo();
  } catch (err) {
    throw new RelayerConfigError(
      `the node at ${sidechain.url} has no usable L1 bridge settings (is its genesis configured with an L1?): ${errorMessage(err)}`,
    );
  }
  return {
    l1ChainId: info.l1ChainId,
    bridge: info.bridge,
    checkpointManager: info.checkpointManager,
    deploymentBlock: info.deploymentBlock,
    // The validators' rule (genesis l1.confirmations): blocks behind latest, 0 meaning the `finalized` tag.
    confirmations: info.confirmations === 0 ? "finalized" : info.confirmations,
  };
}

/** Waits until the L1 answers eth_chainId, then insists it is the chain the sidechain is bridged to. */
export async function checkL1ChainId(
  readChainId: () => Promise<bigint>,
  url: string,
  expected: bigint,
  opts: StartupOptions,
): Promise<void> {
  const actual = await untilAnswered(readChainId, `the L1 at ${url}`, opts);
  if (actual !== expected) {
    throw new RelayerConfigError(
      `the L1 at ${url} has chain id ${actual}, but the sidechain is bridged to chain ${expected}`,
    );
  }
}

async function untilAnswered<T>(call: () => Promise<T>, what: string, opts: StartupOptions): Promise<T> {
  for (;;) {
    try {
      return await call();
    } catch (err) {
      if (opts.signal.aborted) throw new RelayerConfigError(`stopped while waiting for ${what}`);
      opts.onRetry(what, err as Error);
    }
    try {
      await sleep(opts.retryMs ?? 2000, undefined, { signal: opts.signal });
    } catch {
      throw new RelayerConfigError(`stopped while waiting for ${what}`);
    }
  }
}
