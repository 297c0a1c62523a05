/**
 * Fixed gas per operation (there is no EVM to meter). The operation is fixed by the target address: a call to a
 * system contract costs the same whatever it does or whether it fails, so eth_estimateGas is exact and a
 * failed call pays what it would have paid on success.
 */
export const GAS = {
  /** Also the intrinsic minimum of every transaction, as on Ethereum. */
  nativeTransfer: 21_000n,
  tokenTransfer: 52_000n,
  bridgeWithdraw: 80_000n,
  staking: 90_000n,
} as const;

/** 1 native token in base units: voting power = stake / POWER_UNIT (whole tokens, as Heimdall does). */
export const POWER_UNIT = 10n ** 18n;

/** A validator must keep at least one whole token staked (power >= 1); less would be a member with no vote. */
export const MIN_STAKE = POWER_UNIT;

/** CometBFT's cap on the total voting power (MaxInt64 / 8); the consensus ValidatorSet enforces the same. */
export const MAX_TOTAL_POWER = ((1n << 63n) - 1n) / 8n;
