import type { Address } from "../crypto/index.ts";
import type { Log } from "../types/index.ts";
import { encodeLog, gasPoolInterface } from "./abi.ts";
import {
  BRIDGE_ADDRESS,
  COMMUNITY_POOL_ADDRESS,
  GAS_POOL_ADDRESS,
  STAKING_ADDRESS,
  ZERO_ADDRESS,
} from "./addresses.ts";
import type { LedgerState } from "./state.ts";

/**
 * The gas grant (DESIGN.md §4): a user who bridged tokens to a fresh address has no native token to pay gas
 * with, so the gas pool pays a deposit's recipient `amount` once, when it holds less than that. Nothing is owed:
 * a pool without `amount` left grants nothing and the deposit is credited all the same. Returns the pool's
 * GasGranted log for the deposit's receipt, or null when nothing was paid.
 */
export function payGasGrant(state: LedgerState, recipient: Address, amount: bigint): Log | null {
  if (amount === 0n || !mayBeGranted(state, recipient)) return null;
  if (state.gasGrant(recipient) !== 0n) return null;
  if (state.account(recipient).balance >= amount) return null;
  if (state.account(GAS_POOL_ADDRESS).balance < amount) return null;
  state.addBalance(GAS_POOL_ADDRESS, -amount);
  state.addBalance(recipient, amount);
  state.setGasGrant(recipient, amount);
  return { address: GAS_POOL_ADDRESS, ...encodeLog(gasPoolInterface, "GasGranted", [recipient, amount]) };
}

/** No key controls the zero address or a system contract: a grant there would only leave the pool for good. */
function mayBeGranted(state: LedgerState, recipient: Address): boolean {
  if (recipient === ZERO_ADDRESS || recipient === GAS_POOL_ADDRESS || recipient === COMMUNITY_POOL_ADDRESS)
    return false;
  if (recipient === BRIDGE_ADDRESS || recipient === STAKING_ADDRESS) return false;
  return state.tokens.get(recipient) === undefined;
}
