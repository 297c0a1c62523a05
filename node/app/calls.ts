import type { Address, Hex } from "../crypto/index.ts";
import type { Log } from "../types/index.ts";
import { BRIDGE_ADDRESS, STAKING_ADDRESS } from "./addresses.ts";
import { bridgeCall } from "./bridge.ts";
import type { ChainParams } from "./params.ts";
import { Revert } from "./revert.ts";
import { stakingCall } from "./staking.ts";
import type { LedgerState, TokenInfo } from "./state.ts";
import { tokenCall, tokenCallGas } from "./tokens.ts";

/** A system contract: the bridge, staking, or one of the tokens. */
export type SystemTarget = { kind: "token"; token: TokenInfo } | { kind: "bridge" } | { kind: "staking" };

/** The system contract at `address`, or null for any other address. */
export function systemTargetOf(state: LedgerState, address: Address): SystemTarget | null {
  if (address === BRIDGE_ADDRESS) return { kind: "bridge" };
  if (address === STAKING_ADDRESS) return { kind: "staking" };
  const token = state.tokens.get(address);
  return token === undefined ? null : { kind: "token", token };
}

/**
 * The gas a call to a system contract costs beyond the transaction's intrinsic gas, fixed per function whatever
 * the call does or whether it fails, so eth_estimateGas is exact: about what the same operation costs a
 * Solidity contract on Ethereum.
 */
export function systemCallGas(target: SystemTarget, data: Hex): bigint {
  switch (target.kind) {
    case "token":
      return tokenCallGas(data);
    case "bridge":
      return 59_000n;
    case "staking":
      return 69_000n;
  }
}

export interface SystemCall {
  from: Address;
  value: bigint;
  data: Hex;
}

export interface SystemCallContext {
  /** The block the call executes in. */
  height: number;
  /** Its timestamp in seconds. */
  time: bigint;
  params: ChainParams;
  /** The call came through STATICCALL. */
  readOnly: boolean;
}

/**
 * Runs a system contract's function on `state`; throws Revert when it fails, leaving partial writes that the
 * caller drops with the call's overlay (the EVM's frame revert).
 */
export function systemCall(
  state: LedgerState,
  target: SystemTarget,
  call: SystemCall,
  ctx: SystemCallContext,
): { returnData: Hex; logs: Log[] } {
  // No system function is payable; value would be stranded in a contract that cannot send it back.
  if (call.value > 0n) throw new Revert("system contract does not accept native value");
  switch (target.kind) {
    case "token":
      return tokenCall(state, target.token, call.from, call.data, {
        chainId: ctx.params.chainId,
        time: ctx.time,
        readOnly: ctx.readOnly,
      });
    case "bridge": {
      const { returnData, logs } = bridgeCall(state, call.from, call.data, ctx.height, ctx.params.l1Bridge);
      return { returnData, logs };
    }
    case "staking":
      return stakingCall(state, call.from, call.data, ctx.height, ctx.params);
  }
}
