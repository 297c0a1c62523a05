import type { Address } from "../crypto/index.ts";
import { COMMUNITY_POOL_ADDRESS } from "./addresses.ts";
import { AppError } from "./errors.ts";
import type { BlockContext } from "./execute.ts";
import { type ChainParams, epochEndOf, epochOf, PPM } from "./params.ts";
import { maxMissed, missedInWindow, withMiss } from "./signingWindow.ts";
import { hasOtherActiveStaker } from "./staking.ts";
import type { LedgerState } from "./state.ts";

/**
 * Why double-sign evidence from `evidenceHeight` cannot punish `validator` in the block at `blockHeight`, or
 * null if it can. Every node must answer alike, so it reads only state and parameters.
 */
export function evidenceProblem(
  state: LedgerState,
  validator: Address,
  evidenceHeight: number,
  blockHeight: number,
  params: ChainParams,
): string | null {
  if (!Number.isSafeInteger(evidenceHeight) || evidenceHeight < 1) {
    return `evidence height ${evidenceHeight} is not a block height`;
  }
  // As CometBFT: the block at H is decided by votes of H, so only earlier heights' votes can be proven in it.
  if (evidenceHeight >= blockHeight) {
    return `evidence from height ${evidenceHeight} cannot be in block ${blockHeight}: not an earlier height`;
  }
  if (evidenceHeight < blockHeight - params.evidenceMaxAgeHeights) {
    return `evidence from height ${evidenceHeight} is too old for block ${blockHeight} (max age ${params.evidenceMaxAgeHeights} heights)`;
  }
  const { punishedThrough } = state.signingInfo(validator);
  if (evidenceHeight <= punishedThrough) {
    return `validator ${validator} is already punished for double signs up to height ${punishedThrough}`;
  }
  return null;
}

/**
 * The block's punishments, before its transactions: its proven double signs, then the missed votes of its
 * lastCommit. Throws AppError "invalid-block" for misbehaviour with a problem, or listed twice.
 */
export function applyPunishments(state: LedgerState, ctx: BlockContext, params: ChainParams): void {
  const punished = new Set<Address>();
  for (const [i, m] of (ctx.misbehaviour ?? []).entries()) {
    const problem = punished.has(m.validator)
      ? `validator ${m.validator} is punished twice in this block`
      : evidenceProblem(state, m.validator, m.height, ctx.height, params);
    if (problem !== null) {
      throw new AppError("invalid-block", `invalid block ${ctx.height}: misbehaviour ${i}: ${problem}`);
    }
    punished.add(m.validator);
    punishDoubleSign(state, m.validator, m.height, ctx.height, params);
  }
  recordVotes(state, ctx, params);
}

/**
 * Slashes doubleSignSlashPpm of the stake and of the unbonding that started at or after the infraction's epoch,
 * jails, and covers every double sign up to the end of the epoch, the last height it is in the set.
 */
function punishDoubleSign(
  state: LedgerState,
  validator: Address,
  evidenceHeight: number,
  blockHeight: number,
  params: ChainParams,
): void {
  // Unstaking in epoch e releases at e + unbondingEpochs + 1: these started at or after the infraction's epoch.
  const fromRelease = epochOf(evidenceHeight, params.epochLength) + params.unbondingEpochs + 1;
  const slashed = slash(
    state,
    validator,
    params.slashing.doubleSignSlashPpm,
    blockHeight,
    params,
    fromRelease,
  );
  const info = state.signingInfo(validator);
  const jail = mayJail(state, validator);
  state.setSigningInfo(validator, {
    ...info,
    jailed: info.jailed || jail,
    jailedUntil: jail
      ? Math.max(info.jailedUntil, blockHeight + params.slashing.jailHeights)
      : info.jailedUntil,
    slashed: info.slashed + slashed,
    punishedThrough: epochEndOf(blockHeight, params.epochLength),
    firstMissedBucket: 0,
    missedBuckets: [],
  });
}

/**
 * Counts the misses of the last commit (its height is ctx.height - 1). A validator that signed writes nothing;
 * one jailed is not counted; one past the window's allowance is slashed and jailed for downtime.
 */
function recordVotes(state: LedgerState, ctx: BlockContext, params: ChainParams): void {
  const votes = ctx.lastCommitVotes ?? [];
  if (votes.length === 0) return;
  const { signedBlocksWindow: window, minSignedPpm } = params.slashing;
  const allowed = maxMissed(window, minSignedPpm);
  const lastHeight = ctx.height - 1;
  const seen = new Set<Address>();
  for (const vote of votes) {
    if (seen.has(vote.address)) {
      throw new AppError(
        "invalid-block",
        `invalid block ${ctx.height}: validator ${vote.address} appears twice in the last commit's votes`,
      );
    }
    seen.add(vote.address);
    if (vote.signed) continue;
    const info = state.signingInfo(vote.address);
    if (info.jailed) continue;
    const next = withMiss(info, lastHeight, window);
    if (missedInWindow(next, lastHeight, window) > allowed)
      punishDowntime(state, vote.address, ctx.height, params);
    else state.setSigningInfo(vote.address, next);
  }
}

function punishDowntime(
  state: LedgerState,
  validator: Address,
  blockHeight: number,
  params: ChainParams,
): void {
  const slashed = slash(state, validator, params.slashing.downtimeSlashPpm, blockHeight, params, null);
  const info = state.signingInfo(validator);
  const jail = mayJail(state, validator);
  state.setSigningInfo(validator, {
    ...info,
    jailed: info.jailed || jail,
    jailedUntil: jail ? blockHeight + params.slashing.jailHeights : info.jailedUntil,
    slashed: info.slashed + slashed,
    firstMissedBucket: 0,
    missedBuckets: [],
  });
}

/**
 * Jailing the last validator that would stay in the set would leave the next set empty, and an empty set can
 * sign no block again: the chain would halt for good. It is slashed all the same.
 */
function mayJail(state: LedgerState, validator: Address): boolean {
  return hasOtherActiveStaker(state, validator);
}

/**
 * Takes `ppm` of the stake, and of the unbonding entries releasing at `fromRelease` or later and not yet released
 * (null: none), to the community pool. Returns the amount taken.
 */
function slash(
  state: LedgerState,
  validator: Address,
  ppm: number,
  blockHeight: number,
  params: ChainParams,
  fromRelease: number | null,
): bigint {
  const cut = (amount: bigint) => (amount * BigInt(ppm)) / BigInt(PPM);
  const stake = state.stake(validator);
  let total = cut(stake);
  if (total > 0n) state.setStake(validator, stake - total);
  if (fromRelease !== null) {
    const epoch = epochOf(blockHeight, params.epochLength);
    const entries = state.unbondingOf(validator);
    let changed = false;
    const after = entries.map((e) => {
      // Released entries are the holder's (Cosmos skips mature entries too), withdrawn or not.
      if (e.releaseEpoch < fromRelease || e.releaseEpoch <= epoch) return e;
      const taken = cut(e.amount);
      if (taken === 0n) return e;
      changed = true;
      total += taken;
      return { releaseEpoch: e.releaseEpoch, amount: e.amount - taken };
    });
    if (changed)
      state.setUnbonding(
        validator,
        after.filter((e) => e.amount > 0n),
      );
  }
  // Nothing is burned, so the native supply stays constant and auditable, as fees go to the gas pool.
  if (total > 0n) state.addBalance(COMMUNITY_POOL_ADDRESS, total);
  return total;
}
