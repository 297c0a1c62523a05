import type { Logger } from "pino";
import type { DepositClaim } from "../../node/types/index.ts";
import { SidechainRpcError } from "../sidechainRpc.ts";
import type { L1Side } from "./l1.ts";
import type { RelayerMetrics } from "./metrics.ts";
import type { SidechainSide } from "./sidechain.ts";

export interface DepositFeedOptions {
  /** Claims handed over per tick at most, so a long backlog cannot make one tick unbounded. */
  batchSize?: number;
}

export interface DepositFeedModules {
  l1: Pick<L1Side, "confirmedBlock" | "nextDepositNonce" | "deposits">;
  sidechain: Pick<SidechainSide, "bridgeInfo" | "submitDepositClaim">;
  metrics: RelayerMetrics;
  logger: Logger;
}

/**
 * L1 -> sidechain: claims every deposit L1 has confirmed and the sidechain has not minted, in nonce order.
 * What is left to do is `[sidechain nextDepositNonce, L1 nextDepositNonce at the confirmed block)`, read fresh
 * every tick; a claim the node already holds is answered with its status, so handing it over again is harmless.
 */
export class DepositFeed {
  readonly name = "deposits";
  private readonly batchSize: number;
  /** Confirmed events never change, so they are fetched once; only an optimisation, rebuilt after a restart. */
  private readonly events = new Map<bigint, DepositClaim>();
  /** Nonces the node has acknowledged, so logs and the counter see each claim once. */
  private readonly acknowledged = new Set<bigint>();

  constructor(
    opts: DepositFeedOptions,
    private readonly modules: DepositFeedModules,
  ) {
    this.batchSize = opts.batchSize ?? 64;
  }

  async run(signal: AbortSignal): Promise<void> {
    const { l1, sidechain, metrics, logger } = this.modules;
    const [confirmed, info] = await Promise.all([l1.confirmedBlock(), sidechain.bridgeInfo()]);
    const from = info.nextDepositNonce;
    this.forgetBelow(from);
    if (confirmed === null) {
      metrics.pendingDeposits.set(0);
      return;
    }
    const until = await l1.nextDepositNonce(confirmed);
    metrics.pendingDeposits.set(Number(until > from ? until - from : 0n));
    const end = until < from + BigInt(this.batchSize) ? until : from + BigInt(this.batchSize);

    const missing: bigint[] = [];
    for (let nonce = from; nonce < end; nonce++) if (!this.events.has(nonce)) missing.push(nonce);
    for (const claim of await l1.deposits(missing, confirmed)) this.events.set(claim.nonce, claim);

    for (let nonce = from; nonce < end && !signal.aborted; nonce++) {
      const claim = this.events.get(nonce);
      if (claim === undefined) {
        // The nonce is below L1's confirmed counter, so its event exists; the provider's log index lags.
        logger.warn({ nonce: nonce.toString() }, "deposit event not found yet; retrying next tick");
        return;
      }
      let status: "minted" | "pending";
      try {
        ({ status } = await sidechain.submitDepositClaim(claim));
      } catch (err) {
        if (!(err instanceof SidechainRpcError) || err.code === null) throw err;
        // The node refused it (it may not see the L1 confirmation yet); later nonces cannot go before it.
        // The event is fetched again, in case a shallow confirmation margin let a reorg change it.
        this.events.delete(nonce);
        metrics.errors.inc({ task: this.name });
        logger.warn(
          { nonce: nonce.toString(), code: err.code, err: err.message },
          "deposit claim rejected; retrying next tick",
        );
        return;
      }
      if (!this.acknowledged.has(nonce)) {
        this.acknowledged.add(nonce);
        metrics.depositsSubmitted.inc();
        logger.info(
          { nonce: nonce.toString(), l1TxHash: claim.l1TxHash, status, amount: claim.amount.toString() },
          "deposit claim submitted",
        );
      }
    }
  }

  private forgetBelow(nonce: bigint): void {
    for (const n of this.events.keys()) if (n < nonce) this.events.delete(n);
    for (const n of this.acknowledged) if (n < nonce) this.acknowledged.delete(n);
  }
}
