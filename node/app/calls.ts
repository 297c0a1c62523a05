import type { Address, Hex } from "../crypto/index.ts";
import type { Log } from "../types/index.ts";
import { BRIDGE_ADDRESS, STAKING_ADDRESS } from "./addresses.ts";
import { bridgeCall } from "./bridge.ts";
import { GAS } from "./gas.ts";
import type { ChainParams } from "./params.ts";
import { Revert } from "./revert.ts";
import { stakingCall } from "./staking.ts";
import type { LedgerState, TokenInfo, WithdrawalRecord } from "./state.ts";
import { tokenCall } from "./tokens.ts";

export type Target =
  | { kind: "account" }
  | { kind: "token"; token: TokenInfo }
  | { kind: "bridge" }
  | { kind: "staking" };

export function targetOf(state: LedgerState, to: Address): Target {
  if (to === BRIDGE_ADDRESS) return { kind: "bridge" };
  if (to === STAKING_ADDRESS) return { kind: "staking" };
  const token = state.tokens.get(to);
  return token === undefined ? { kind: "account" } : { kind: "token", token };
}

/** The fixed gas of whatever a transaction to this target does (see gas.ts). */
export function targetGas(target: Target): bigint {
  switch (target.kind) {
    case "account":
      return GAS.nativeTransfer;
    case "token":
      return GAS.tokenTransfer;
    case "bridge":
      return GAS.bridgeWithdraw;
    case "staking":
      return GAS.staking;
  }
}

export interface CallInput {
  from: Address;
  to: Address;
  value: bigint;
  data: Hex;
}

export type CallOutcome =
  | { status: 1; returnData: Hex; logs: Log[]; withdrawals: WithdrawalRecord[] }
  | { status: 0; revertData: Hex; reason: string };

/**
 * Runs a call on an overlay of `state` and keeps its effects only if it succeeds, as the EVM reverts a failed
 * call. Fees and nonces are the caller's business. `height` is the block the call executes in.
 */
export function runCall(
  state: LedgerState,
  call: CallInput,
  height: number,
  params: ChainParams,
): CallOutcome {
  const scratch = state.child();
  try {
    const result = dispatch(scratch, call, height, params);
    scratch.mergeIntoParent();
    return { status: 1, returnData: result.returnData, logs: result.logs, withdrawals: result.withdrawals };
  } catch (err) {
    if (err instanceof Revert) return { status: 0, revertData: err.data, reason: err.message };
    throw err;
  }
}

function dispatch(
  state: LedgerState,
  call: CallInput,
  height: number,
  params: ChainParams,
): { returnData: Hex; logs: Log[]; withdrawals: WithdrawalRecord[] } {
  const target = targetOf(state, call.to);
  if (target.kind === "account") {
    if (state.account(call.from).balance < call.value) throw new Revert("insufficient balance for transfer");
    if (call.value > 0n) {
      state.addBalance(call.from, -call.value);
      state.addBalance(call.to, call.value);
    }
    // An account has no code: calldata is carried, not interpreted, as on Ethereum.
    return { returnData: "0x", logs: [], withdrawals: [] };
  }
  // No system function is payable; value would be stranded in a contract that cannot send it back.
  if (call.value > 0n) throw new Revert("system contract does not accept native value");
  switch (target.kind) {
    case "token":
      return {
        ...tokenCall(state, target.token, call.from, call.data, {
          chainId: params.chainId,
          // No block time reaches runCall yet, so a permit's deadline is checked against time 0.
          time: 0n,
          readOnly: false,
        }),
        withdrawals: [],
      };
    case "bridge": {
      const { returnData, logs, withdrawal } = bridgeCall(
        state,
        call.from,
        call.data,
        height,
        params.l1Bridge,
      );
      return { returnData, logs, withdrawals: [withdrawal] };
    }
    case "staking":
      return { ...stakingCall(state, call.from, call.data, height, params), withdrawals: [] };
  }
}
