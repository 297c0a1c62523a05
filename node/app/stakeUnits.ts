/** 1 native token in base units: voting power = stake / POWER_UNIT (whole tokens, as Heimdall does). */
export const POWER_UNIT = 10n ** 18n;

/** A validator must keep at least one whole token staked (power >= 1); less would be a member with no vote. */
export const MIN_STAKE = POWER_UNIT;

/** CometBFT's cap on the total voting power (MaxInt64 / 8); the consensus ValidatorSet enforces the same. */
export const MAX_TOTAL_POWER = ((1n << 63n) - 1n) / 8n;
