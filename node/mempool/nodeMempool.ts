import type { Application } from "../app/index.ts";
import { createMempool, type Mempool, type MempoolOptions } from "./mempool.ts";

/** A validator's limits: room for a few blocks of transactions, bounded per sender so no one crowds others out. */
export const NODE_MEMPOOL_LIMITS: Omit<MempoolOptions, "baseFee"> = {
  maxTxs: 10_000,
  // Room for maxTxs ordinary transactions; a pool of large ones evicts by price before it holds more.
  maxBytes: 32 * 1024 * 1024,
  maxPerSender: 64,
  maxTxBytes: 128 * 1024,
  priceBumpPercent: 10,
};

/** The node's mempool, checking transactions against the application's current state. */
export function createNodeMempool(
  app: Pick<Application, "params" | "checkTx" | "nonce" | "balance">,
  limits = NODE_MEMPOOL_LIMITS,
): Mempool {
  return createMempool(
    { ...limits, baseFee: app.params.baseFee },
    {
      checkTx: (raw, hash) => app.checkTx(raw, hash),
      account: (a) => ({ nonce: app.nonce(a), balance: app.balance(a) }),
    },
  );
}
