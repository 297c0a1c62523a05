import type { Address, Hex } from "../crypto/index.ts";
import type { Receipt } from "../types/index.ts";
import { runCall, targetGas, targetOf } from "./calls.ts";
import { AppError } from "./errors.ts";
import type { ChainParams } from "./params.ts";
import type { LedgerState, WithdrawalRecord } from "./state.ts";
import { type AppTx, effectiveGasPrice, upfrontCost } from "./transaction.ts";

export interface BlockContext {
  height: number;
  /** The header's time (unix ms); carried for future rules, unused by the current ledger. */
  time: number;
  /** Receives every fee of the block. */
  proposer: Address;
}

/** What happened to one transaction, beyond its receipt. */
export interface TxResult {
  hash: Hex;
  status: 0 | 1;
  /** The call's ABI return data, or its revert data when it failed. */
  returnData: Hex;
  /** Why the call failed ("out of gas", a revert reason), or null. */
  error: string | null;
}

export interface TxExecution {
  receipt: Receipt;
  result: TxResult;
  withdrawals: WithdrawalRecord[];
}

/**
 * Checks that a transaction may enter the block at this point (exact nonce, funds for value + gasLimit * fee cap,
 * as Ethereum requires) and throws the AppError that makes the block invalid if not. Touches nothing.
 */
export function checkExecutable(state: LedgerState, tx: AppTx): void {
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
  const cost = upfrontCost(tx);
  if (account.balance < cost) {
    throw new AppError(
      "insufficient-funds",
      `insufficient funds for gas * price + value: address ${tx.from} have ${account.balance} want ${cost}`,
    );
  }
}

/**
 * Executes one transaction on `state` (the block's overlay): the nonce is used and the fee paid to the proposer
 * whatever the call does; the call's own effects are kept only if it succeeds. A gas limit below the target's
 * fixed gas is out of gas: the whole limit is charged, as the EVM does.
 */
export function executeTransaction(
  state: LedgerState,
  tx: AppTx,
  ctx: BlockContext,
  params: ChainParams,
  cumulativeGasBefore: bigint,
): TxExecution {
  checkExecutable(state, tx);
  const price = effectiveGasPrice(tx, params.baseFee);
  const opGas = targetGas(targetOf(state, tx.to));
  const outOfGas = tx.gasLimit < opGas;
  const gasUsed = outOfGas ? tx.gasLimit : opGas;
  const fee = gasUsed * price;
  const account = state.account(tx.from);
  state.setAccount(tx.from, { nonce: account.nonce + 1n, balance: account.balance - fee });
  state.addBalance(ctx.proposer, fee);

  const outcome = outOfGas
    ? ({ status: 0, revertData: "0x", reason: "out of gas" } as const)
    : runCall(state, { from: tx.from, to: tx.to, value: tx.value, data: tx.data }, ctx.height, params);

  const receipt: Receipt = {
    txHash: tx.hash,
    status: outcome.status,
    gasUsed,
    cumulativeGasUsed: cumulativeGasBefore + gasUsed,
    effectiveGasPrice: price,
    from: tx.from,
    to: tx.to,
    logs: outcome.status === 1 ? outcome.logs : [],
  };
  const result: TxResult =
    outcome.status === 1
      ? { hash: tx.hash, status: 1, returnData: outcome.returnData, error: null }
      : { hash: tx.hash, status: 0, returnData: outcome.revertData, error: outcome.reason };
  return { receipt, result, withdrawals: outcome.status === 1 ? outcome.withdrawals : [] };
}
