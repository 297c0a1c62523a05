import type { Hex } from "../crypto/index.ts";
import type { CheckpointSubmission, L1Reader } from "./l1Reader.ts";

export interface CheckpointL1State {
  status: "pending" | "submitted" | "confirmed";
  txHash: Hex | null;
}

/** Most L1 blocks one log query covers: public endpoints refuse much wider ranges. */
const MAX_LOG_RANGE = 5_000;

/**
 * Follows CheckpointSubmitted on L1 so RPC can say where each checkpoint stands. It holds nothing that L1 does not:
 * after a restart it rescans from the deployment block.
 */
export class CheckpointTracker {
  private readonly submissions = new Map<number, CheckpointSubmission>();
  private scannedTo: number;
  private confirmedBlock = -1;

  constructor(
    deploymentBlock: number,
    private readonly reader: Pick<L1Reader, "checkpointSubmissions" | "latestBlock" | "confirmedBlock">,
  ) {
    this.scannedTo = deploymentBlock - 1;
  }

  /** Scans new L1 blocks; throws L1UnavailableError (and keeps what it had) when L1 cannot answer. */
  async refresh(): Promise<void> {
    const latest = await this.reader.latestBlock();
    // A reorg can only move recent logs; rescanning a short window keeps hashes right without a full rescan.
    const from = Math.max(0, Math.min(this.scannedTo + 1, latest - 64));
    for (let start = from; start <= latest; start += MAX_LOG_RANGE) {
      const end = Math.min(latest, start + MAX_LOG_RANGE - 1);
      for (const s of await this.reader.checkpointSubmissions(start, end)) this.submissions.set(s.number, s);
      this.scannedTo = end;
    }
    this.confirmedBlock = await this.reader.confirmedBlock();
  }

  /** The highest checkpoint number seen on L1 (0 before the first). */
  lastSubmitted(): number {
    let last = 0;
    for (const number of this.submissions.keys()) last = Math.max(last, number);
    return last;
  }

  status(number: number): CheckpointL1State {
    const s = this.submissions.get(number);
    if (s === undefined) return { status: "pending", txHash: null };
    return { status: s.blockNumber <= this.confirmedBlock ? "confirmed" : "submitted", txHash: s.txHash };
  }
}
