import type { Address } from "../crypto/index.ts";

/** The chain parameters execution depends on, fixed at genesis. */
export interface ChainParams {
  chainId: bigint;
  /** The base fee's floor, the genesis minGasPrice: the EIP-1559 base fee (state meta) never goes below it. */
  baseFee: bigint;
  /** The most gas a block's transactions may use (their gas limits summed, as Ethereum's gas pool). */
  blockGasLimit: bigint;
  epochLength: number;
  unbondingEpochs: number;
  /** The L1 bridge contract (lowercase), which cannot pay itself: a withdrawal to it is refused. Null: no L1. */
  l1Bridge: Address | null;
  /** Native base units the gas pool pays, once, to a deposit's recipient holding less (DESIGN.md §4); 0: none. */
  gasGrant: bigint;
  /** Punishment of double signs and downtime (DESIGN.md §4, Slashing). */
  slashing: SlashingParams;
  /** Evidence of a double sign at a height below blockHeight - this is refused as too old (CometBFT's MaxAgeNumBlocks). */
  evidenceMaxAgeHeights: number;
}

/** Fractions are parts per million of the stake (1_000_000 = all of it). */
export interface SlashingParams {
  doubleSignSlashPpm: number;
  downtimeSlashPpm: number;
  /** The heights over which missed votes are counted (Cosmos's SignedBlocksWindow). */
  signedBlocksWindow: number;
  /** The least share of the window a validator must sign; missing more jails it. */
  minSignedPpm: number;
  /** How many heights a jailed validator waits before it may unjail. */
  jailHeights: number;
}

/** The Cosmos Hub's fractions and window; a jail of 600 heights is one default epoch (about ten minutes). */
export const DEFAULT_SLASHING_PARAMS: Readonly<SlashingParams> = Object.freeze({
  doubleSignSlashPpm: 50_000,
  downtimeSlashPpm: 100,
  signedBlocksWindow: 10_000,
  minSignedPpm: 50_000,
  jailHeights: 600,
});

/** CometBFT's default evidence MaxAgeNumBlocks. */
export const DEFAULT_EVIDENCE_MAX_AGE_HEIGHTS = 100_000;

export const PPM = 1_000_000;

/** The longest window accepted: its buckets (at most 100) then count at most 100,000 heights each. */
export const MAX_SIGNED_BLOCKS_WINDOW = 10_000_000;

/** Epoch e covers heights [(e-1)L+1, eL]; heights start at 1. */
export function epochOf(height: number, epochLength: number): number {
  return Math.floor((height - 1) / epochLength) + 1;
}

/** The last height of the epoch `height` is in. */
export function epochEndOf(height: number, epochLength: number): number {
  return epochOf(height, epochLength) * epochLength;
}

/** The last block of an epoch: its result carries the validator updates that apply from the next height. */
export function isEpochEnd(height: number, epochLength: number): boolean {
  return height > 0 && height % epochLength === 0;
}
