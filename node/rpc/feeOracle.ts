import type { Address } from "../crypto/index.ts";
import type { BlockRecord, RpcBackend } from "./backend.ts";

/**
 * The least tip eth_maxPriorityFeePerGas suggests: 1 gwei, what geth and ethers assumed for years, so wallets show
 * a familiar number, and non-zero, so a wallet's +10% speed-up raises the tip as the replacement rule requires.
 */
export const MIN_SUGGESTED_TIP = 1_000_000_000n;
/** geth's oracle caps its suggestion at 500 gwei, so a few absurd tips cannot make wallets overpay. */
export const MAX_SUGGESTED_TIP = 500_000_000_000n;

/** geth's gas price oracle defaults: the last 20 blocks, the 3 lowest tips of each, their 60th percentile. */
export const FEE_ORACLE_BLOCKS = 20;
const SAMPLES_PER_BLOCK = 3;
const PERCENTILE = 60;

/** A fee-paying transaction's effective tip: what it paid per gas above the block's base fee. */
export interface PaidTip {
  tip: bigint;
  gasUsed: bigint;
  from: Address;
}

/** The block's fee-paying transactions, cheapest tip first; deposits pay no fee (gasUsed 0) and say nothing. */
export function paidTips(record: BlockRecord): PaidTip[] {
  return record.receipts
    .filter((r) => r.gasUsed > 0n)
    .map((r) => ({
      tip: r.effectiveGasPrice > record.baseFee ? r.effectiveGasPrice - record.baseFee : 0n,
      gasUsed: r.gasUsed,
      from: r.from,
    }))
    .sort((a, b) => (a.tip < b.tip ? -1 : a.tip > b.tip ? 1 : 0));
}

/**
 * The lowest tips of the block, as geth samples them: a proposer's own transactions are left out (it pays its
 * tip to itself), and an empty block counts as the floor, so an idle chain suggests the floor.
 */
function blockSamples(record: BlockRecord): bigint[] {
  const proposer = record.block.header.proposer;
  const tips = paidTips(record)
    .filter((t) => t.from !== proposer)
    .slice(0, SAMPLES_PER_BLOCK)
    .map((t) => t.tip);
  return tips.length > 0 ? tips : [MIN_SUGGESTED_TIP];
}

/** The tip to suggest from these blocks' samples, between the floor and the cap. */
export function suggestTip(records: readonly BlockRecord[]): bigint {
  const samples = records.flatMap(blockSamples).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const picked = samples[Math.floor(((samples.length - 1) * PERCENTILE) / 100)] ?? MIN_SUGGESTED_TIP;
  if (picked < MIN_SUGGESTED_TIP) return MIN_SUGGESTED_TIP;
  return picked > MAX_SUGGESTED_TIP ? MAX_SUGGESTED_TIP : picked;
}

/**
 * One suggestion per head, as geth caches its own: reading 20 blocks on every call would be wasted work. The
 * promise is kept, so the wallets that all ask right after a new block share one computation.
 */
const cached = new WeakMap<RpcBackend, { head: number; tip: Promise<bigint> }>();

/** The suggested tip at the backend's head, from the last FEE_ORACLE_BLOCKS blocks (block 0 included). */
export function suggestedTip(backend: RpcBackend): Promise<bigint> {
  const head = backend.headHeight();
  const hit = cached.get(backend);
  if (hit !== undefined && hit.head === head) return hit.tip;
  const entry = { head, tip: computeTip(backend, head) };
  cached.set(backend, entry);
  // A failed read is not remembered: the next call tries again.
  entry.tip.catch(() => {
    if (cached.get(backend) === entry) cached.delete(backend);
  });
  return entry.tip;
}

async function computeTip(backend: RpcBackend, head: number): Promise<bigint> {
  const records: BlockRecord[] = [];
  for (let height = Math.max(0, head - FEE_ORACLE_BLOCKS + 1); height <= head; height++) {
    const record = await backend.getBlockByHeight(height);
    if (record === null) throw new Error(`block ${height} at or below the head ${head} is missing`);
    records.push(record);
  }
  return suggestTip(records);
}
