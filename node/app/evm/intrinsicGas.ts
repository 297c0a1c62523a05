/** Ethereum's transaction gas rules at Prague, the hardfork the EVM runs (chainCommon.ts). */
export const TX_GAS = 21_000n;
const TX_CREATE_GAS = 32_000n;
/** EIP-2028. */
const ZERO_BYTE_GAS = 4n;
const NONZERO_BYTE_GAS = 16n;
/** EIP-3860: initcode is charged per 32-byte word and bounded. */
const INITCODE_WORD_GAS = 2n;
export const MAX_INITCODE_SIZE = 49_152;
/** EIP-7623: a transaction pays at least 10 gas per calldata token (a zero byte is 1 token, others 4). */
const FLOOR_TOKEN_GAS = 10n;
/** EIP-2930: what an access list entry costs up front. */
const ACCESS_LIST_ADDRESS_GAS = 2_400n;
const ACCESS_LIST_STORAGE_KEY_GAS = 1_900n;
/** EIP-7702: each authorization is charged as a new account; the run refunds the difference for an existing one. */
export const PER_EMPTY_ACCOUNT_COST = 25_000n;
const PER_AUTH_BASE_COST = 12_500n;
export const EXISTING_AUTHORITY_REFUND = PER_EMPTY_ACCOUNT_COST - PER_AUTH_BASE_COST;
/** EIP-3529: at most a fifth of the gas used comes back as refund. */
const MAX_REFUND_QUOTIENT = 5n;

export interface TxGasShape {
  /** Null for contract creation. */
  to: string | null;
  data: Uint8Array;
  accessList?: readonly { storageKeys: readonly unknown[] }[];
  /** EIP-7702: how many authorization tuples the transaction carries. */
  authorizations?: number;
}

export interface IntrinsicGas {
  /** What the transaction costs before any code runs. */
  intrinsic: bigint;
  /** EIP-7623's floor: the least the transaction pays whatever it does. */
  floor: bigint;
}

export function intrinsicGas(tx: TxGasShape): IntrinsicGas {
  let zeros = 0n;
  for (const byte of tx.data) if (byte === 0) zeros++;
  const nonzeros = BigInt(tx.data.length) - zeros;
  let intrinsic = TX_GAS + zeros * ZERO_BYTE_GAS + nonzeros * NONZERO_BYTE_GAS;
  if (tx.to === null) {
    intrinsic += TX_CREATE_GAS + INITCODE_WORD_GAS * BigInt(Math.ceil(tx.data.length / 32));
  }
  for (const entry of tx.accessList ?? []) {
    intrinsic += ACCESS_LIST_ADDRESS_GAS + ACCESS_LIST_STORAGE_KEY_GAS * BigInt(entry.storageKeys.length);
  }
  intrinsic += PER_EMPTY_ACCOUNT_COST * BigInt(tx.authorizations ?? 0);
  // EIP-7623 counts calldata only.
  const floor = TX_GAS + FLOOR_TOKEN_GAS * (zeros + 4n * nonzeros);
  return { intrinsic, floor };
}

/** The least gas limit a transaction can have: it must cover both its intrinsic gas and its floor. */
export function minimumGasLimit(tx: TxGasShape): bigint {
  const { intrinsic, floor } = intrinsicGas(tx);
  // biome-ignore lint/complexity/useMathMinMax: Math.max takes no bigints.
  return intrinsic > floor ? intrinsic : floor;
}

/** Gas a transaction is charged: what it used less the capped refund, but never below its floor. */
export function chargedGas(used: bigint, refund: bigint, floor: bigint): bigint {
  const cap = used / MAX_REFUND_QUOTIENT;
  const net = used - (refund < cap ? refund : cap);
  return net > floor ? net : floor;
}
