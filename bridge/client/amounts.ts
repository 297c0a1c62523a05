import { InvalidAmountError } from "./errors.ts";

const MAX_UINT256 = (1n << 256n) - 1n;
const DECIMAL = /^([0-9]+)(?:\.([0-9]+))?$/;
const INTEGER = /^[0-9]+$/;

/**
 * Checks the shape of an amount before anything is fetched, so `1,5`, `-1` or `0` fail before a network call;
 * the decimals check needs the token and happens in parseAmount. `raw` means base units (an integer).
 */
export function checkAmountSyntax(text: string, raw = false): void {
  const trimmed = text.trim();
  if (raw) {
    if (!INTEGER.test(trimmed)) {
      throw new InvalidAmountError(`invalid amount "${text}": expected a whole number of base units`);
    }
  } else if (!DECIMAL.test(trimmed)) {
    throw new InvalidAmountError(`invalid amount "${text}": expected a positive decimal number like 1.5`);
  }
  if (!/[1-9]/.test(trimmed))
    throw new InvalidAmountError(`invalid amount "${text}": must be more than zero`);
}

/** A human amount (`1.5`) in a token with `decimals` decimals, or base units when `raw`, as base units. */
export function parseAmount(text: string, decimals: number, raw = false): bigint {
  checkAmountSyntax(text, raw);
  const trimmed = text.trim();
  let value: bigint;
  if (raw) {
    value = BigInt(trimmed);
  } else {
    const [, whole = "0", fraction = ""] = DECIMAL.exec(trimmed) ?? [];
    const significant = fraction.replace(/0+$/, "");
    if (significant.length > decimals) {
      throw new InvalidAmountError(
        `invalid amount "${text}": the token has ${decimals} decimals, the amount has ${significant.length}`,
      );
    }
    value = BigInt(whole) * 10n ** BigInt(decimals) + BigInt(significant.padEnd(decimals, "0") || "0");
  }
  if (value > MAX_UINT256) throw new InvalidAmountError(`invalid amount "${text}": too large`);
  return value;
}

/** Base units as a decimal string without trailing zeros: 1500000000000000000n with 18 decimals is "1.5". */
export function formatAmount(value: bigint, decimals: number): string {
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const unit = 10n ** BigInt(decimals);
  const whole = abs / unit;
  const fraction = decimals === 0 ? "" : (abs % unit).toString().padStart(decimals, "0").replace(/0+$/, "");
  return `${negative ? "-" : ""}${whole}${fraction === "" ? "" : `.${fraction}`}`;
}
