import type { Address, Hex } from "../crypto/index.ts";

/**
 * Receipts and logs as the app produces and storage keeps them. Where they sit (blockHash, blockNumber,
 * transactionIndex, logIndex) is derived at read time from where they are stored, as Ethereum nodes do.
 */

export interface Log {
  address: Address;
  /** 0..4 32-byte topics, lowercase hex. */
  topics: Hex[];
  /** ABI-encoded data, lowercase hex ("0x" when empty). */
  data: Hex;
}

export interface Receipt {
  /** keccak256 of the raw signed transaction, or of a deposit's 0x7e encoding (depositTx.ts). */
  txHash: Hex;
  /** 1 success, 0 failed call (the tx still paid its fee and used its nonce). */
  status: 0 | 1;
  gasUsed: bigint;
  /** Gas used by this and every earlier tx of the block. */
  cumulativeGasUsed: bigint;
  effectiveGasPrice: bigint;
  from: Address;
  /** null for a contract creation. */
  to: Address | null;
  logs: Log[];
  /** The created contract's address for a creation (also when it failed, as Ethereum's receipts), else null. */
  contractAddress: Address | null;
}
