import { InvalidArgumentError } from "commander";
import { formatAmount, parseAmount } from "../../bridge/client/amounts.ts";
import { InvalidAmountError } from "../../bridge/client/errors.ts";

/** The native coin's decimals: stake, balances and gas are in units of 10^-18 coin, as ether is in wei. */
export const COIN_DECIMALS = 18;

/**
 * An amount of native coin as typed (`1000`, `0.5`), as base units; exact (no floating point), and only a
 * positive decimal with at most 18 decimals: `-1`, `0`, `1e3` or `1,5` are refused.
 */
export function parseCoins(text: string): bigint {
  return parseAmount(text, COIN_DECIMALS);
}

/** parseCoins as a commander parser, so a bad AMOUNT is a usage error before any key or network is touched. */
export function coinsArg(text: string): bigint {
  try {
    return parseCoins(text);
  } catch (err) {
    if (err instanceof InvalidAmountError) throw new InvalidArgumentError(err.message);
    throw err;
  }
}

/** Base units as coins without trailing zeros: 1500000000000000000n is "1.5". */
export function formatCoins(value: bigint): string {
  return formatAmount(value, COIN_DECIMALS);
}
