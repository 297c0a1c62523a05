import { type Address, type Hex, hexToBytes } from "../crypto/index.ts";
import type { Receipt } from "../types/index.ts";
import { AppError } from "./errors.ts";
import type { EvmOutcome, EvmRunner } from "./evm/evmRunner.ts";
import { minimumGasLimit } from "./evm/intrinsicGas.ts";
import type { LedgerState } from "./state.ts";
import { type AppTx, effectiveGasPrice, upfrontCost } from "./transaction.ts";

export interface BlockContext {
  height: number;
  /** The header's time (unix ms): the EVM's TIMESTAMP is its seconds. */
  time: number;
  /** Receives every tip of the block. */
  proposer: Address;
  /**
   * The previous height's validators, each with whether its precommit is in this block's lastCommit (CometBFT's
   * DecidedLastCommit): the misses count towards downtime. Empty or absent at height 1.
   */
  lastCommitVotes?: readonly CommitVote[];
  /**
   * The double signs this block proves (CometBFT's Misbehavior), signatures and set membership verified by the
   * chain: each is slashed and jailed before the block's transactions.
   */
  misbehaviour?: readonly Misbehaviour[];
}

export interface CommitVote {
  address: Address;
  signed: boolean;
}

export interface Misbehaviour {
  validator: Address;
  /** The height of the two conflicting votes. */
  height: number;
}

/** What a block's transactions execute with: its context, base fee and gas limit, and its EVM. */
export interface BlockEnv extends BlockContext {
  baseFee: bigint;
  gasLimit: bigint;
  /** The block's EVM, created when its first transaction needs it (a block of plain transfers never does). */
  evm(): Promise<EvmRunner>;
}

/** What happened to one transaction, beyond its receipt. */
export interface TxResult {
  hash: Hex;
  status: 0 | 1;
  /** The call's return data, or its revert data when it failed. */
  returnData: Hex;
  /** Why the call failed ("execution reverted", "out of gas", ...), or null. */
  error: string | null;
}

export interface TxExecution {
  receipt: Receipt;
  result: TxResult;
}

/**
 * Checks that a transaction may enter the block at this point (exact nonce, funds for value + gasLimit * fee cap,
 * a fee cap that covers the base fee, gas left in the block, as Ethereum requires) and throws the AppError that
 * makes the block invalid if not. Touches nothing.
 */
export function checkExecutable(state: LedgerState, tx: AppTx, block: BlockEnv, gasUsedBefore: bigint): void {
  const account = state.account(tx.from);
  if (tx.nonce < account.nonce) {
    throw new AppError(
      "nonce-too-low",
      `nonce too low: address ${tx.from}, tx nonce ${tx.nonce}, state ${account.nonce}`,
    );
  }
  if (tx.nonce > account.nonce) {
    throw new AppError(
      "nonce-too-high",
      `nonce too high: address ${tx.from}, tx nonce ${tx.nonce}, state ${account.nonce}`,
    );
  }
  if (tx.maxFeePerGas < block.baseFee) {
    throw new AppError(
      "tx-underpriced",
      `max fee per gas less than block base fee: address ${tx.from}, maxFeePerGas: ${tx.maxFeePerGas}, baseFee: ${block.baseFee}`,
    );
  }
  if (tx.gasLimit > block.gasLimit - gasUsedBefore) {
    throw new AppError(
      "block-gas-exceeded",
      `gas limit reached: tx gas limit ${tx.gasLimit}, ${block.gasLimit - gasUsedBefore} left in the block`,
    );
  }
  const cost = upfrontCost(tx);
  if (account.balance < cost) {
    throw new AppError(
      "insufficient-funds",
      `insufficient funds for gas * price + value: address ${tx.from} have ${account.balance} want ${cost}`,
    );
  }
}

/**
 * Executes one transaction on `state` (the block's overlay), after checkExecutable. The nonce is used and the gas
 * paid whatever the call does; the call's own effects stay only if it succeeds. Of the fee, the base fee part goes
 * to the gas pool and the tip to the proposer (DESIGN §4).
 */
export async function executeTransaction(
  state: LedgerState,
  tx: AppTx,
  block: BlockEnv,
  gasPool: Address,
  cumulativeGasBefore: bigint,
): Promise<TxExecution> {
  const price = effectiveGasPrice(tx, block.baseFee);
  // A set-code transaction always runs: its authorizations are applied by the EVM runner.
  const outcome =
    (tx.authorizationList ?? []).length === 0 && isPlainTransfer(state, tx.to)
      ? plainTransfer(state, tx, price)
      : await (await block.evm()).run(state, {
          from: tx.from,
          to: tx.to,
          nonce: tx.nonce,
          value: tx.value,
          data: hexToBytes(tx.data),
          gasLimit: tx.gasLimit,
          gasPrice: price,
          accessList: tx.accessList,
          authorizationList: tx.authorizationList,
        });
  const tip = outcome.gasUsed * (price - block.baseFee);
  const baseFeePaid = outcome.gasUsed * block.baseFee;
  if (tip > 0n) state.addBalance(block.proposer, tip);
  if (baseFeePaid > 0n) state.addBalance(gasPool, baseFeePaid);
  const receipt: Receipt = {
    txHash: tx.hash,
    status: outcome.status,
    gasUsed: outcome.gasUsed,
    cumulativeGasUsed: cumulativeGasBefore + outcome.gasUsed,
    effectiveGasPrice: price,
    from: tx.from,
    to: tx.to,
    contractAddress: outcome.contractAddress,
    logs: outcome.logs,
  };
  const result: TxResult = {
    hash: tx.hash,
    status: outcome.status,
    returnData: outcome.returnData,
    error: outcome.error,
  };
  return { receipt, result };
}

/**
 * A transfer to an account without code runs nothing, so it skips the EVM: the fast path that keeps native
 * transfers as cheap as before contracts existed. Its gas is what the EVM would charge: the intrinsic gas.
 */
function isPlainTransfer(state: LedgerState, to: Address | null): boolean {
  if (to === null) return false;
  // Ethereum's precompiles (0x01..) and the bridge and staking run code without having any: all are low addresses.
  if (to.startsWith(LOW_ADDRESS_PREFIX) || state.tokens.get(to) !== undefined) return false;
  return state.account(to).codeHash === undefined;
}

/** Addresses below 2^16. */
const LOW_ADDRESS_PREFIX = `0x${"00".repeat(18)}`;

function plainTransfer(state: LedgerState, tx: AppTx, price: bigint): EvmOutcome {
  const gasUsed = minimumGasLimit({ to: tx.to, data: hexToBytes(tx.data), accessList: tx.accessList });
  const sender = state.account(tx.from);
  state.setAccount(tx.from, {
    ...sender,
    nonce: sender.nonce + 1n,
    balance: sender.balance - gasUsed * price - tx.value,
  });
  if (tx.value > 0n && tx.to !== null) state.addBalance(tx.to, tx.value);
  return { status: 1, gasUsed, logs: [], returnData: "0x", error: null, contractAddress: null };
}
