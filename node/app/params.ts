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
}

/** Epoch e covers heights [(e-1)L+1, eL]; heights start at 1. */
export function epochOf(height: number, epochLength: number): number {
  return Math.floor((height - 1) / epochLength) + 1;
}

/** The last block of an epoch: its result carries the validator updates that apply from the next height. */
export function isEpochEnd(height: number, epochLength: number): boolean {
  return height > 0 && height % epochLength === 0;
}
