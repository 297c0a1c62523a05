/** EIP-1559: the base fee moves by at most 1/8 per block towards keeping blocks at half the gas limit. */
const BASE_FEE_CHANGE_DENOMINATOR = 8n;
const ELASTICITY_MULTIPLIER = 2n;

/**
 * The next block's base fee from this block's, as Ethereum computes it, but never below `floor` (the genesis
 * minGasPrice): a chain with idle blocks would otherwise drive it to zero, where nothing prices spam.
 */
export function nextBaseFee(baseFee: bigint, gasUsed: bigint, gasLimit: bigint, floor: bigint): bigint {
  const target = gasLimit / ELASTICITY_MULTIPLIER;
  let next = baseFee;
  if (gasUsed > target) {
    const delta = (baseFee * (gasUsed - target)) / target / BASE_FEE_CHANGE_DENOMINATOR;
    next = baseFee + (delta > 1n ? delta : 1n);
  } else if (gasUsed < target) {
    next = baseFee - (baseFee * (target - gasUsed)) / target / BASE_FEE_CHANGE_DENOMINATOR;
  }
  return next > floor ? next : floor;
}
