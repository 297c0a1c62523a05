import { type Address, type Hex, ZERO_HASH } from "../crypto/index.ts";
import { type Block, type BlockBody, computeBodyHashes } from "../types/index.ts";
import type { BlockRecord } from "./backend.ts";

/**
 * Block 1's header names 32 zero bytes as its parent (consensus starts from there), so block 0, the genesis block
 * RPC serves, has that hash: block 1's parentHash is then block 0's hash without any consensus change (DESIGN §6).
 */
export const GENESIS_BLOCK_HASH: Hex = ZERO_HASH;

const ZERO_ADDRESS: Address = `0x${"00".repeat(20)}`;

/** What the genesis block shows: the state before block 1. */
export interface GenesisBlockInfo {
  chainId: bigint;
  /** The genesis time, unix milliseconds (block 1's time is after it). */
  time: number;
  /** The genesis state commitment: the appHash block 1's execution builds on. */
  appHash: Hex;
  /** The genesis minGasPrice: the base fee the first block starts from. */
  baseFee: bigint;
}

/**
 * Block 0 as RPC serves it: no transactions, no proposer, no parent, the genesis appHash as its stateRoot. It is
 * never signed or stored; it stands for the genesis state, so its hash is GENESIS_BLOCK_HASH, not a header hash.
 */
export function genesisBlockRecord(info: GenesisBlockInfo): BlockRecord {
  const body: BlockBody = { txs: [], lastCommit: null, evidence: [], depositClaims: [], checkpoints: [] };
  const block: Block = {
    header: {
      chainId: info.chainId,
      height: 0,
      time: info.time,
      parentHash: ZERO_HASH,
      proposer: ZERO_ADDRESS,
      validatorsHash: ZERO_HASH,
      nextValidatorsHash: ZERO_HASH,
      appHash: info.appHash,
      ...computeBodyHashes(body),
    },
    ...body,
  };
  return { block, hash: GENESIS_BLOCK_HASH, receipts: [], baseFee: info.baseFee };
}
