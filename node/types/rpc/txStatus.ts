import { z } from "zod";
import { countWire, hashWire } from "./wire.ts";

/** Why a node's mempool let an accepted transaction go without committing it (node/mempool/dropped.ts). */
export const TX_DROP_REASONS = [
  "evicted",
  "replaced",
  "nonce-used",
  "insufficient-funds",
  "expired",
] as const;

/**
 * outrigger_txStatus: where a transaction stands on the node asked. committed: in block `blockNumber`;
 * pending: in the mempool, includable now; queued: in the mempool behind a missing lower nonce of its sender;
 * dropped: accepted earlier, then let go for `reason` (`message` says more, `droppedAt` is ms since the epoch).
 * null when the node has never seen the hash, or has forgotten a dropped one.
 */
export const txStatusSchema = z.discriminatedUnion("status", [
  z.object({ hash: hashWire, status: z.literal("committed"), blockNumber: countWire, index: countWire }),
  z.object({ hash: hashWire, status: z.enum(["pending", "queued"]) }),
  z.object({
    hash: hashWire,
    status: z.literal("dropped"),
    reason: z.enum(TX_DROP_REASONS),
    message: z.string(),
    droppedAt: countWire,
  }),
]);
export type TxStatus = z.output<typeof txStatusSchema>;
