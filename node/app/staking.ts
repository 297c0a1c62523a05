import type { Address, Hex } from "../crypto/index.ts";
import { type Log, MAX_VALIDATORS, type Validator } from "../types/index.ts";
import { encodeLog, encodeResult, stakingInterface } from "./abi.ts";
import { STAKING_ADDRESS } from "./addresses.ts";
import { decodeCall } from "./calldata.ts";
import { type ChainParams, epochOf } from "./params.ts";
import { Revert, unknownFunction } from "./revert.ts";
import { missedInWindow } from "./signingWindow.ts";
import { MAX_TOTAL_POWER, MIN_STAKE, POWER_UNIT } from "./stakeUnits.ts";
import type { LedgerState, UnbondingEntry } from "./state.ts";

const stakingLog = (event: string, args: unknown[]): Log => ({
  address: STAKING_ADDRESS,
  ...encodeLog(stakingInterface, event, args),
});

/** A call to the staking system contract. `height` is the block the call executes in. */
export function stakingCall(
  state: LedgerState,
  from: Address,
  data: Hex,
  height: number,
  params: ChainParams,
): { returnData: Hex; logs: Log[] } {
  const call = decodeCall(stakingInterface, data);
  const encode = (values: unknown[]): Hex => encodeResult(stakingInterface, call.name, values);
  switch (call.name) {
    case "stake":
      return { returnData: "0x", logs: [stake(state, from, call.args[0] as bigint)] };
    case "unstake":
      return { returnData: "0x", logs: [unstake(state, from, call.args[0] as bigint, height, params)] };
    case "withdrawUnbonded": {
      const { amount, log } = withdrawUnbonded(state, from, height, params);
      return { returnData: encode([amount]), logs: [log] };
    }
    case "stakeOf":
      return {
        returnData: encode([state.stake((call.args[0] as string).toLowerCase() as Address)]),
        logs: [],
      };
    case "unjail":
      return { returnData: "0x", logs: [unjail(state, from, height)] };
    case "signingInfo": {
      const info = state.signingInfo((call.args[0] as string).toLowerCase() as Address);
      const missed = missedInWindow(info, height - 1, params.slashing.signedBlocksWindow);
      return {
        returnData: encode([info.jailed, BigInt(info.jailedUntil), info.slashed, BigInt(missed)]),
        logs: [],
      };
    }
    case "unbondingOf": {
      const { pending, withdrawable } = unbondingSummary(
        state.unbondingOf((call.args[0] as string).toLowerCase() as Address),
        epochOf(height, params.epochLength),
      );
      return { returnData: encode([pending, withdrawable]), logs: [] };
    }
    default:
      throw unknownFunction();
  }
}

/** Moves native balance into stake; the power follows at the next epoch boundary. */
export function stake(state: LedgerState, from: Address, amount: bigint): Log {
  if (amount === 0n) throw new Revert("staking: amount is zero");
  const balance = state.account(from).balance;
  if (balance < amount) throw new Revert("staking: amount exceeds balance");
  const current = state.stake(from);
  const next = current + amount;
  if (next < MIN_STAKE) throw new Revert("staking: stake below the minimum of 1 token");
  if (current === 0n && stakers(state).length >= MAX_VALIDATORS) {
    throw new Revert(`staking: the validator set is full (${MAX_VALIDATORS})`);
  }
  // The native supply already bounds the total (genesis checks it against the cap); this keeps the bound if the
  // supply ever grows. A set above the cap could sign neither blocks nor L1 checkpoints.
  if (totalPower(state) - powerOf(current) + powerOf(next) > MAX_TOTAL_POWER) {
    throw new Revert(`staking: the total power would exceed the cap of ${MAX_TOTAL_POWER}`);
  }
  state.addBalance(from, -amount);
  state.setStake(from, next);
  return stakingLog("Staked", [from, amount, next]);
}

/**
 * Moves stake into unbonding, released after `unbondingEpochs` full epochs once the power change has applied:
 * unstaking in epoch e releases at the start of epoch e + unbondingEpochs + 1.
 */
export function unstake(
  state: LedgerState,
  from: Address,
  amount: bigint,
  height: number,
  params: ChainParams,
): Log {
  if (amount === 0n) throw new Revert("staking: amount is zero");
  const current = state.stake(from);
  if (amount > current) throw new Revert("staking: amount exceeds stake");
  const rest = current - amount;
  if (rest !== 0n && rest < MIN_STAKE)
    throw new Revert("staking: remaining stake below the minimum of 1 token");
  // One other staker that will be in the next set is enough to keep it non-empty.
  if (rest === 0n && !hasOtherActiveStaker(state, from)) {
    throw new Revert("staking: the last validator cannot leave the validator set");
  }
  const releaseEpoch = epochOf(height, params.epochLength) + params.unbondingEpochs + 1;
  state.setStake(from, rest);
  state.setUnbonding(from, addEntry(state.unbondingOf(from), releaseEpoch, amount));
  return stakingLog("Unstaked", [from, amount, BigInt(releaseEpoch)]);
}

export function withdrawUnbonded(
  state: LedgerState,
  from: Address,
  height: number,
  params: ChainParams,
): { amount: bigint; log: Log } {
  const epoch = epochOf(height, params.epochLength);
  const entries = state.unbondingOf(from);
  const released = entries.filter((e) => e.releaseEpoch <= epoch);
  const amount = released.reduce((sum, e) => sum + e.amount, 0n);
  if (amount === 0n) throw new Revert("staking: nothing to withdraw");
  state.setUnbonding(
    from,
    entries.filter((e) => e.releaseEpoch > epoch),
  );
  state.addBalance(from, amount);
  return { amount, log: stakingLog("UnbondedWithdrawn", [from, amount]) };
}

export function unbondingSummary(
  entries: readonly UnbondingEntry[],
  epoch: number,
): { pending: bigint; withdrawable: bigint } {
  let pending = 0n;
  let withdrawable = 0n;
  for (const e of entries) {
    if (e.releaseEpoch <= epoch) withdrawable += e.amount;
    else pending += e.amount;
  }
  return { pending, withdrawable };
}

function addEntry(
  entries: readonly UnbondingEntry[],
  releaseEpoch: number,
  amount: bigint,
): UnbondingEntry[] {
  const merged = entries.map((e) =>
    e.releaseEpoch === releaseEpoch ? { releaseEpoch, amount: e.amount + amount } : e,
  );
  if (!entries.some((e) => e.releaseEpoch === releaseEpoch)) merged.push({ releaseEpoch, amount });
  return merged.sort((a, b) => a.releaseEpoch - b.releaseEpoch);
}

/**
 * Lets a jailed validator back once its jail period is over: it rejoins the set at the next epoch end. Its stake
 * must still make it a validator (a slash may have taken it below the minimum: stake more first).
 */
export function unjail(state: LedgerState, from: Address, height: number): Log {
  const info = state.signingInfo(from);
  if (!info.jailed) throw new Revert("staking: not jailed");
  if (height < info.jailedUntil) throw new Revert(`staking: still jailed until height ${info.jailedUntil}`);
  if (state.stake(from) < MIN_STAKE) throw new Revert("staking: stake below the minimum of 1 token");
  state.setSigningInfo(from, { ...info, jailed: false });
  return stakingLog("Unjailed", [from]);
}

/**
 * Whether a staker other than `except` will be in the next set: not jailed, power >= 1. Leaving, and jailing,
 * are refused without one, since an empty set could sign no block again.
 */
export function hasOtherActiveStaker(state: LedgerState, except: Address): boolean {
  for (const [address, amount] of state.stakes.entries()) {
    if (address !== except && powerOf(amount) > 0n && !state.signingInfo(address as Address).jailed)
      return true;
  }
  return false;
}

function stakers(state: LedgerState): Address[] {
  return state.stakes.entries().map(([address]) => address as Address);
}

function totalPower(state: LedgerState): bigint {
  let total = 0n;
  for (const [, amount] of state.stakes.entries()) total += powerOf(amount);
  return total;
}

/** power = stake / 10^18 (whole tokens); 0 means not a validator. */
export function powerOf(stakeAmount: bigint): bigint {
  return stakeAmount / POWER_UNIT;
}

/**
 * At an epoch's last block: the powers implied by the stakes of the validators not jailed replace the active
 * set. Returns every validator whose power changed (0 removes), sorted by address, as ValidatorSet.withUpdates
 * takes them.
 */
export function applyEpochEnd(state: LedgerState): Validator[] {
  const desired = new Map<Address, bigint>();
  for (const [address, amount] of state.stakes.entries()) {
    const power = powerOf(amount);
    if (power > 0n && !state.signingInfo(address as Address).jailed) desired.set(address as Address, power);
  }
  // Unstaking and jailing never empty it, but a slash can take the last validator's power to 0: an empty set
  // could sign no block again, so the set stays as it is until someone stakes.
  if (desired.size === 0) return [];
  const updates: Validator[] = [];
  for (const [address, power] of state.validators.entries()) {
    if (!desired.has(address as Address)) updates.push({ address: address as Address, power: 0n });
    else if (desired.get(address as Address) !== power) {
      updates.push({ address: address as Address, power: desired.get(address as Address) as bigint });
    }
  }
  for (const [address, power] of desired) {
    if (state.validators.get(address) === undefined) updates.push({ address, power });
  }
  updates.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
  for (const u of updates) state.setValidatorPower(u.address, u.power);
  return updates;
}
