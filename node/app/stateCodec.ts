import {
  type Address,
  bytesToHex,
  concatBytes,
  decodeRlpStrict,
  encodeRlpItem,
  type Hex,
  hexToBytes,
  keccak256,
  keccak256Hex,
  type RlpItem,
  rlpBytes,
  rlpList,
} from "../crypto/index.ts";
import {
  addressFromRlp,
  addressToRlp,
  hashFromRlp,
  hashToRlp,
  listFromRlp,
  listToRlp,
  MAX_TOKEN_NAME_BYTES,
  MAX_TOKEN_SYMBOL_BYTES,
  safeIntFromRlp,
  safeIntToRlp,
  stringFromRlp,
  stringToRlp,
  uintFromRlp,
  uintToRlp,
} from "../types/index.ts";
import { errorMessage } from "../util/errors.ts";
import { AppError } from "./errors.ts";
import { MAX_WINDOW_BUCKETS } from "./signingWindow.ts";
import {
  type Account,
  type DepositRecord,
  type LedgerLayers,
  LedgerState,
  type SigningInfo,
  type TokenInfo,
  type UnbondingEntry,
  type WithdrawalRecord,
} from "./state.ts";
import type { Table, TableLayer } from "./table.ts";

/** One state change as storage applies it: a value to put, or null to delete the key. */
export type StateWrite = [key: Uint8Array, value: Uint8Array | null];

/**
 * State key layout (inside storage's state bucket): one kind byte, then the fields below. Values are RLP.
 *   0x00 ‖ utf8 name        meta: "height", "nextWithdrawalId", "nextDepositNonce" -> uint,
 *                           "appHash" -> 32 bytes (not hashed)
 *   0x01 ‖ address          account -> [nonce, balance]
 *   0x02 ‖ token            token -> [l1Token | "", name, symbol, decimals, totalSupply]
 *   0x03 ‖ token ‖ holder   token balance -> uint
 *   0x04 ‖ address          stake -> uint
 *   0x05 ‖ address          unbonding -> [[releaseEpoch, amount], ...]
 *   0x06 ‖ address          active validator power -> uint
 *   0x07 ‖ id (32 bytes)    withdrawal -> [id, l1Token, l1Recipient, amount, height]
 *   0x08 ‖ nonce (32 bytes) deposit -> [nonce, l1Token, l2Token, from, to, amount, l1TxHash, height]
 *   0x09 ‖ codeHash         contract code -> bytes
 *   0x0a ‖ address ‖ slot   contract storage word -> uint (never zero)
 *   0x0b ‖ token ‖ owner ‖ spender   allowance -> uint
 *   0x0c ‖ token ‖ owner    EIP-2612 permit nonce -> uint
 *   0x0d ‖ address          the gas pool's grant to a bridged user -> uint (never zero)
 *   0x0e ‖ address          signing info -> [jailed, jailedUntil, slashed, punishedThrough, firstMissedBucket,
 *                           [missed, ...]] (never all zero)
 * An account with code is [nonce, balance, codeHash]; one without stays [nonce, balance].
 */
export const KEY_PREFIX = {
  meta: 0x00,
  account: 0x01,
  token: 0x02,
  tokenBalance: 0x03,
  stake: 0x04,
  unbonding: 0x05,
  validator: 0x06,
  withdrawal: 0x07,
  deposit: 0x08,
  code: 0x09,
  storage: 0x0a,
  allowance: 0x0b,
  permitNonce: 0x0c,
  gasGrant: 0x0d,
  signingInfo: 0x0e,
} as const;

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder("utf-8", { fatal: true });

/** The appHash is derived from the writes, so it is stored beside them but is not one of the hashed writes. */
export const APP_HASH_KEY: Uint8Array = concatBytes(Uint8Array.of(KEY_PREFIX.meta), utf8.encode("appHash"));

interface TableCodec<V> {
  prefix: number;
  /** Key bytes after the prefix, and the expected length (undefined: any). */
  keyLength: number | undefined;
  keyToBytes(key: string): Uint8Array;
  keyFromBytes(bytes: Uint8Array): string;
  encode(value: V): RlpItem;
  decode(item: RlpItem, what: string): V;
}

const hexKey = (length: number) => ({
  keyLength: length,
  keyToBytes: (key: string) => hexToBytes(key, length),
  keyFromBytes: (bytes: Uint8Array) => bytesToHex(bytes),
});

const uintCodec = {
  encode: (v: bigint): RlpItem => uintToRlp(v, "value"),
  decode: (item: RlpItem, what: string): bigint => uintFromRlp(item, what),
};

const accountCodec: TableCodec<Account> = {
  prefix: KEY_PREFIX.account,
  ...hexKey(20),
  encode: (a) => {
    const fields = [uintToRlp(a.nonce, "nonce", 8), uintToRlp(a.balance, "balance")];
    return a.codeHash === undefined ? fields : [...fields, hashToRlp(a.codeHash, "codeHash")];
  },
  decode: (item, what) => {
    const fields = Array.isArray(item) && item.length === 3 ? rlpList(item, 3, what) : rlpList(item, 2, what);
    const [nonce, balance, codeHash] = fields;
    const account: Account = {
      nonce: uintFromRlp(nonce, `${what}.nonce`, 8),
      balance: uintFromRlp(balance, `${what}.balance`),
    };
    if (codeHash !== undefined) account.codeHash = hashFromRlp(codeHash, `${what}.codeHash`);
    return account;
  },
};

const codeCodec: TableCodec<Uint8Array> = {
  prefix: KEY_PREFIX.code,
  ...hexKey(32),
  encode: (code) => code,
  decode: (item, what) => rlpBytes(item, what),
};

const tokenCodec: TableCodec<TokenInfo> = {
  prefix: KEY_PREFIX.token,
  ...hexKey(20),
  encode: (t) => [
    t.l1Token === null ? new Uint8Array(0) : addressToRlp(t.l1Token, "l1Token"),
    stringToRlp(t.name, MAX_TOKEN_NAME_BYTES, "name"),
    stringToRlp(t.symbol, MAX_TOKEN_SYMBOL_BYTES, "symbol"),
    safeIntToRlp(t.decimals, "decimals"),
    uintToRlp(t.totalSupply, "totalSupply"),
  ],
  decode: (item, what) => {
    const [l1Token, name, symbol, decimals, totalSupply] = rlpList(item, 5, what);
    return {
      address: "0x" as Address,
      l1Token:
        rlpBytes(l1Token, `${what}.l1Token`).length === 0 ? null : addressFromRlp(l1Token, `${what}.l1Token`),
      name: stringFromRlp(name, MAX_TOKEN_NAME_BYTES, `${what}.name`),
      symbol: stringFromRlp(symbol, MAX_TOKEN_SYMBOL_BYTES, `${what}.symbol`),
      decimals: safeIntFromRlp(decimals, `${what}.decimals`),
      totalSupply: uintFromRlp(totalSupply, `${what}.totalSupply`),
    };
  },
};

const tokenBalanceCodec: TableCodec<bigint> = {
  prefix: KEY_PREFIX.tokenBalance,
  ...hexKey(40),
  ...uintCodec,
};
const storageCodec: TableCodec<bigint> = { prefix: KEY_PREFIX.storage, ...hexKey(52), ...uintCodec };
const allowanceCodec: TableCodec<bigint> = { prefix: KEY_PREFIX.allowance, ...hexKey(60), ...uintCodec };
const permitNonceCodec: TableCodec<bigint> = { prefix: KEY_PREFIX.permitNonce, ...hexKey(40), ...uintCodec };
const gasGrantCodec: TableCodec<bigint> = { prefix: KEY_PREFIX.gasGrant, ...hexKey(20), ...uintCodec };
const stakeCodec: TableCodec<bigint> = { prefix: KEY_PREFIX.stake, ...hexKey(20), ...uintCodec };
const validatorCodec: TableCodec<bigint> = { prefix: KEY_PREFIX.validator, ...hexKey(20), ...uintCodec };

const unbondingCodec: TableCodec<readonly UnbondingEntry[]> = {
  prefix: KEY_PREFIX.unbonding,
  ...hexKey(20),
  encode: (entries) =>
    listToRlp(entries, Number.MAX_SAFE_INTEGER, "unbonding", (e) => [
      safeIntToRlp(e.releaseEpoch, "releaseEpoch"),
      uintToRlp(e.amount, "amount"),
    ]),
  decode: (item, what) =>
    listFromRlp(item, Number.MAX_SAFE_INTEGER, what, (entry, w) => {
      const [releaseEpoch, amount] = rlpList(entry, 2, w);
      return {
        releaseEpoch: safeIntFromRlp(releaseEpoch, `${w}.releaseEpoch`),
        amount: uintFromRlp(amount, `${w}.amount`),
      };
    }),
};

const withdrawalCodec: TableCodec<WithdrawalRecord> = {
  prefix: KEY_PREFIX.withdrawal,
  ...hexKey(32),
  encode: (w) => [
    uintToRlp(w.id, "id"),
    addressToRlp(w.l1Token, "l1Token"),
    addressToRlp(w.l1Recipient, "l1Recipient"),
    uintToRlp(w.amount, "amount"),
    safeIntToRlp(w.height, "height"),
  ],
  decode: (item, what) => {
    const [id, l1Token, l1Recipient, amount, height] = rlpList(item, 5, what);
    return {
      id: uintFromRlp(id, `${what}.id`),
      l1Token: addressFromRlp(l1Token, `${what}.l1Token`),
      l1Recipient: addressFromRlp(l1Recipient, `${what}.l1Recipient`),
      amount: uintFromRlp(amount, `${what}.amount`),
      height: safeIntFromRlp(height, `${what}.height`),
    };
  },
};

const depositCodec: TableCodec<DepositRecord> = {
  prefix: KEY_PREFIX.deposit,
  ...hexKey(32),
  encode: (d) => [
    uintToRlp(d.nonce, "nonce"),
    addressToRlp(d.l1Token, "l1Token"),
    addressToRlp(d.l2Token, "l2Token"),
    addressToRlp(d.from, "from"),
    addressToRlp(d.to, "to"),
    uintToRlp(d.amount, "amount"),
    hashToRlp(d.l1TxHash, "l1TxHash"),
    safeIntToRlp(d.height, "height"),
  ],
  decode: (item, what) => {
    const [nonce, l1Token, l2Token, from, to, amount, l1TxHash, height] = rlpList(item, 8, what);
    return {
      nonce: uintFromRlp(nonce, `${what}.nonce`),
      l1Token: addressFromRlp(l1Token, `${what}.l1Token`),
      l2Token: addressFromRlp(l2Token, `${what}.l2Token`),
      from: addressFromRlp(from, `${what}.from`),
      to: addressFromRlp(to, `${what}.to`),
      amount: uintFromRlp(amount, `${what}.amount`),
      l1TxHash: hashFromRlp(l1TxHash, `${what}.l1TxHash`),
      height: safeIntFromRlp(height, `${what}.height`),
    };
  },
};

const signingInfoCodec: TableCodec<SigningInfo> = {
  prefix: KEY_PREFIX.signingInfo,
  ...hexKey(20),
  encode: (i) => [
    uintToRlp(i.jailed ? 1n : 0n, "jailed"),
    safeIntToRlp(i.jailedUntil, "jailedUntil"),
    uintToRlp(i.slashed, "slashed"),
    safeIntToRlp(i.punishedThrough, "punishedThrough"),
    safeIntToRlp(i.firstMissedBucket, "firstMissedBucket"),
    listToRlp(i.missedBuckets, MAX_WINDOW_BUCKETS, "missedBuckets", (n) => safeIntToRlp(n, "missed")),
  ],
  decode: (item, what) => {
    const [jailed, jailedUntil, slashed, punishedThrough, firstMissedBucket, missed] = rlpList(item, 6, what);
    const flag = uintFromRlp(jailed, `${what}.jailed`);
    if (flag > 1n) throw new Error(`${what}.jailed is not 0 or 1`);
    return {
      jailed: flag === 1n,
      jailedUntil: safeIntFromRlp(jailedUntil, `${what}.jailedUntil`),
      slashed: uintFromRlp(slashed, `${what}.slashed`),
      punishedThrough: safeIntFromRlp(punishedThrough, `${what}.punishedThrough`),
      firstMissedBucket: safeIntFromRlp(firstMissedBucket, `${what}.firstMissedBucket`),
      missedBuckets: listFromRlp(missed, MAX_WINDOW_BUCKETS, `${what}.missedBuckets`, (n, w) =>
        safeIntFromRlp(n, w),
      ),
    };
  },
};

const metaCodec: TableCodec<bigint> = {
  prefix: KEY_PREFIX.meta,
  keyLength: undefined,
  keyToBytes: (key) => utf8.encode(key),
  keyFromBytes: (bytes) => utf8Decoder.decode(bytes),
  ...uintCodec,
};

/** Each ledger table's codec: what key prefix it lives under and how its keys and values encode. */
export const TABLE_CODECS = {
  meta: metaCodec,
  accounts: accountCodec,
  tokens: tokenCodec,
  tokenBalances: tokenBalanceCodec,
  stakes: stakeCodec,
  unbonding: unbondingCodec,
  validators: validatorCodec,
  withdrawals: withdrawalCodec,
  deposits: depositCodec,
  code: codeCodec,
  storage: storageCodec,
  allowances: allowanceCodec,
  permitNonces: permitNonceCodec,
  gasGrants: gasGrantCodec,
  signingInfos: signingInfoCodec,
} as const satisfies { [K in keyof LedgerLayers]: TableCodec<LayerValue<LedgerLayers[K]>> };

type LayerValue<L> = L extends TableLayer<infer V> ? V : never;

export type { TableCodec };

function tablesWithCodecs(state: LedgerState): [Table<unknown>, TableCodec<unknown>][] {
  return (Object.keys(TABLE_CODECS) as (keyof LedgerLayers)[]).map((name) => [
    state[name] as Table<unknown>,
    TABLE_CODECS[name] as TableCodec<unknown>,
  ]);
}

/** The state key of a table's entry: prefix ‖ key bytes. */
export function stateKey<V>(codec: TableCodec<V>, key: string): Uint8Array {
  return concatBytes(Uint8Array.of(codec.prefix), codec.keyToBytes(key));
}

/** A stored value as its table holds it; AppError "invalid-state" if it does not decode. */
export function decodeStateValue<V>(codec: TableCodec<V>, key: string, value: Uint8Array): V {
  try {
    const decoded = codec.decode(decodeRlpStrict(value), `state entry ${codec.prefix}:${key}`);
    // A token's address is its key, not part of its value.
    return codec.prefix === KEY_PREFIX.token ? ({ ...(decoded as TokenInfo), address: key } as V) : decoded;
  } catch (err) {
    throw new AppError("invalid-state", `state entry ${codec.prefix}:${key}: ${errorMessage(err)}`, {
      cause: err,
    });
  }
}

/** Hex of equal-case digits sorts like the bytes it spells, shorter prefixes first. */
function sortByKey(writes: StateWrite[]): StateWrite[] {
  return writes
    .map((w) => [bytesToHex(w[0]), w] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, w]) => w);
}

/** The state's own changes (for a root state: all of it) as writes sorted by key bytes. */
export function collectWrites(state: LedgerState): StateWrite[] {
  const writes: StateWrite[] = [];
  for (const [table, codec] of tablesWithCodecs(state)) {
    for (const [key, value] of table.changes()) {
      writes.push([stateKey(codec, key), value === null ? null : encodeRlpItem(codec.encode(value))]);
    }
  }
  return sortByKey(writes);
}

/** keccak256(RLP([[key, value] | [key] (deleted), ...])) over writes sorted by key. */
export function hashWrites(writes: readonly StateWrite[]): Uint8Array {
  return keccak256(encodeRlpItem(writes.map(([key, value]) => (value === null ? [key] : [key, value]))));
}

/** appHash = keccak256(RLP([parentAppHash, keccak256(RLP(sorted writes))])): a chain over every state write. */
export function chainAppHash(parentAppHash: Hex, writes: readonly StateWrite[]): Hex {
  return keccak256Hex(encodeRlpItem([hexToBytes(parentAppHash, 32), hashWrites(writes)]));
}

/** The writes plus the appHash entry, in key order, ready for storage's batch. */
export function withAppHash(writes: readonly StateWrite[], appHash: Hex): StateWrite[] {
  return sortByKey([...writes, [APP_HASH_KEY, hexToBytes(appHash, 32)]]);
}

export interface LoadedState {
  state: LedgerState;
  appHash: Hex;
}

/** Rebuilds the committed state from every entry of storage's state bucket. */
export function loadState(entries: Iterable<readonly [Uint8Array, Uint8Array]>): LoadedState {
  const state = new LedgerState();
  const byPrefix = new Map(tablesWithCodecs(state).map(([table, codec]) => [codec.prefix, { table, codec }]));
  const appHashKey = bytesToHex(APP_HASH_KEY);
  let appHash: Hex | undefined;
  for (const [key, value] of entries) {
    const what = `state entry ${bytesToHex(key).slice(0, 90)}`;
    try {
      if (bytesToHex(key) === appHashKey) {
        appHash = hashFromRlp(value, "appHash");
        continue;
      }
      const target = byPrefix.get(key[0] ?? -1);
      if (target === undefined) throw new Error("unknown key prefix");
      const { table, codec } = target;
      const rest = key.subarray(1);
      if (codec.keyLength !== undefined && rest.length !== codec.keyLength)
        throw new Error("wrong key length");
      const decoded = codec.decode(decodeRlpStrict(value), what);
      const tableKey = codec.keyFromBytes(rest);
      table.set(
        tableKey,
        codec.prefix === KEY_PREFIX.token ? { ...(decoded as TokenInfo), address: tableKey } : decoded,
      );
    } catch (err) {
      throw new AppError("invalid-state", `${what}: ${errorMessage(err)}`, { cause: err });
    }
  }
  if (appHash === undefined) {
    throw new AppError(
      "invalid-state",
      "state has no appHash entry (a fresh node passes null and persists snapshotWrites() instead)",
    );
  }
  if (state.meta.get("height") === undefined)
    throw new AppError("invalid-state", "state has no height entry");
  return { state, appHash };
}
