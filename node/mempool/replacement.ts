import type { AppTx } from "../app/index.ts";

type Fees = Pick<AppTx, "maxFeePerGas" | "maxPriorityFeePerGas">;

/**
 * geth's replacement rule (legacypool): a transaction with the same sender and nonce replaces the waiting one only
 * if it raises both the fee cap and the tip, each by at least bumpPercent (rounded down, as geth's integer
 * threshold). A legacy or type-1 transaction's gasPrice is both its cap and its tip, so it needs +bumpPercent.
 * Both, not the effective price alone: otherwise a replacement could lower the cap and still pass at today's base
 * fee, and gossip peers following geth's rule would refuse what this node accepted. Returns why it fails, or null.
 */
export function replacementProblem(existing: Fees, incoming: Fees, bumpPercent: number): string | null {
  const bump = BigInt(100 + bumpPercent);
  const capFloor = (existing.maxFeePerGas * bump) / 100n;
  const tipFloor = (existing.maxPriorityFeePerGas * bump) / 100n;
  const problems: string[] = [];
  if (incoming.maxFeePerGas <= existing.maxFeePerGas || incoming.maxFeePerGas < capFloor) {
    problems.push(`fee cap ${incoming.maxFeePerGas} is below ${bigger(existing.maxFeePerGas, capFloor)}`);
  }
  if (
    incoming.maxPriorityFeePerGas <= existing.maxPriorityFeePerGas ||
    incoming.maxPriorityFeePerGas < tipFloor
  ) {
    problems.push(
      `tip ${incoming.maxPriorityFeePerGas} is below ${bigger(existing.maxPriorityFeePerGas, tipFloor)}`,
    );
  }
  if (problems.length === 0) return null;
  return `replacement transaction underpriced: ${problems.join(" and ")} (+${bumpPercent}% over the waiting transaction's)`;
}

/** The least value that passes: above the old one and at least its bumped floor. */
function bigger(old: bigint, floor: bigint): bigint {
  return floor > old ? floor : old + 1n;
}
