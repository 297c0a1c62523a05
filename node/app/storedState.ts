import { type Address, bytesToHex, type Hex } from "../crypto/index.ts";
import type { DepositClaim } from "../types/index.ts";
import { errorMessage } from "../util/errors.ts";
import { erc20Interface } from "./abi.ts";
import { BRIDGE_ADDRESS, bridgedTokenAddress, GAS_POOL_ADDRESS } from "./addresses.ts";
import { AppError } from "./errors.ts";
import {
  type Account,
  type DepositRecord,
  type LedgerLayers,
  META_HEIGHT,
  type SigningInfo,
  type TokenInfo,
  tokenBalanceKey,
  type UnbondingEntry,
  type WithdrawalRecord,
} from "./state.ts";
import { APP_HASH_KEY, decodeStateValue, TABLE_CODECS, type TableCodec } from "./stateCodec.ts";
import type { StateReader } from "./stateReader.ts";
import { StateCache, StoredTable } from "./storedTable.ts";
import { Table } from "./table.ts";
import type { AppTx } from "./transaction.ts";

/** About 300 bytes an entry (key, decoded value, map slot): some 30 MB, whatever the number of accounts. */
export const DEFAULT_STATE_CACHE_ENTRIES = 100_000;

/**
 * Contract code has its own, smaller cache: an entry may be 24 KiB (EIP-170), so the shared cache's count would
 * not bound its memory; 1,000 contracts' code is at most 24 MB.
 */
export const DEFAULT_CODE_CACHE_ENTRIES = 1_000;

export interface StoredLedgerOptions {
  /** The most committed entries of the large tables held in memory. */
  cacheEntries?: number;
  /** The most contracts' code held in memory. */
  codeCacheEntries?: number;
}

/** What a block will read from the large tables, as their keys. */
export interface TouchedKeys {
  accounts: Address[];
  tokenBalances: string[];
  /** Deposit recipients, whose gas grant a deposit may pay. */
  gasGrants: Address[];
}

/**
 * The committed ledger over the node's store. Accounts, token balances, withdrawals and deposits grow with use,
 * so they are read through a bounded cache; tokens, stakes, unbonding, the validator set, signing infos and meta
 * are small (bounded by the validator limit, or by what the bridge has seen) and are read whole at start-up, which keeps
 * listing them (epoch ends, eth_call views) synchronous.
 */
export class StoredLedger implements LedgerLayers {
  readonly accounts: StoredTable<Account>;
  readonly tokenBalances: StoredTable<bigint>;
  readonly withdrawals: StoredTable<WithdrawalRecord>;
  readonly deposits: StoredTable<DepositRecord>;
  readonly code: StoredTable<Uint8Array>;
  readonly storage: StoredTable<bigint>;
  readonly allowances: StoredTable<bigint>;
  readonly permitNonces: StoredTable<bigint>;
  readonly gasGrants: StoredTable<bigint>;
  readonly tokens = new Table<TokenInfo>();
  readonly stakes = new Table<bigint>();
  readonly unbonding = new Table<readonly UnbondingEntry[]>();
  readonly validators = new Table<bigint>();
  readonly signingInfos = new Table<SigningInfo>();
  readonly meta = new Table<bigint>();
  readonly #reader: StateReader;
  readonly #cache: StateCache;
  readonly #codeCache: StateCache;

  private constructor(reader: StateReader, cache: StateCache, codeCache: StateCache) {
    this.#reader = reader;
    this.#cache = cache;
    this.#codeCache = codeCache;
    const modules = { reader, cache };
    this.accounts = new StoredTable(TABLE_CODECS.accounts, modules);
    this.tokenBalances = new StoredTable(TABLE_CODECS.tokenBalances, modules);
    this.withdrawals = new StoredTable(TABLE_CODECS.withdrawals, modules);
    this.deposits = new StoredTable(TABLE_CODECS.deposits, modules);
    this.code = new StoredTable(TABLE_CODECS.code, { reader, cache: codeCache });
    this.storage = new StoredTable(TABLE_CODECS.storage, modules);
    this.allowances = new StoredTable(TABLE_CODECS.allowances, modules);
    this.permitNonces = new StoredTable(TABLE_CODECS.permitNonces, modules);
    this.gasGrants = new StoredTable(TABLE_CODECS.gasGrants, modules);
  }

  /** Reads the small tables; the large ones are read as they are used. */
  static async open(reader: StateReader, opts: StoredLedgerOptions = {}): Promise<StoredLedger> {
    const ledger = new StoredLedger(
      reader,
      new StateCache(opts.cacheEntries ?? DEFAULT_STATE_CACHE_ENTRIES),
      new StateCache(opts.codeCacheEntries ?? DEFAULT_CODE_CACHE_ENTRIES),
    );
    await Promise.all([
      ledger.#load(ledger.tokens, TABLE_CODECS.tokens),
      ledger.#load(ledger.stakes, TABLE_CODECS.stakes),
      ledger.#load(ledger.unbonding, TABLE_CODECS.unbonding),
      ledger.#load(ledger.validators, TABLE_CODECS.validators),
      ledger.#load(ledger.signingInfos, TABLE_CODECS.signingInfos),
      ledger.#load(ledger.meta, TABLE_CODECS.meta),
    ]);
    return ledger;
  }

  async #load<V>(table: Table<V>, codec: TableCodec<V>): Promise<void> {
    const appHashKey = bytesToHex(APP_HASH_KEY);
    for await (const [keyBytes, value] of this.#reader.entries(Uint8Array.of(codec.prefix))) {
      if (codec.prefix === APP_HASH_KEY[0] && bytesToHex(keyBytes) === appHashKey) continue;
      const rest = keyBytes.subarray(1);
      let key: string;
      try {
        if (codec.keyLength !== undefined && rest.length !== codec.keyLength)
          throw new Error("wrong key length");
        key = codec.keyFromBytes(rest);
      } catch (err) {
        throw new AppError(
          "invalid-state",
          `state key ${bytesToHex(keyBytes).slice(0, 90)}: ${errorMessage(err)}`,
          { cause: err },
        );
      }
      table.set(key, decodeStateValue(codec, key, value));
    }
  }

  /** The appHash the store holds with the state, or null for a store without state. */
  storedAppHash(): Hex | null {
    const bytes = this.#reader.getSync(APP_HASH_KEY);
    return bytes === null ? null : (bytesToHex(bytes) as Hex);
  }

  hasHeight(): boolean {
    return this.meta.get(META_HEIGHT) !== undefined;
  }

  /** How many committed entries of the large tables are in memory (at most the cache's capacity). */
  get cachedEntries(): number {
    return this.#cache.entries.size;
  }

  /** How many contracts' code is in memory (at most its own cache's capacity). */
  get cachedCode(): number {
    return this.#codeCache.entries.size;
  }

  /** Call after merging a committed block in: prefetches that read before it are dropped. */
  committed(): void {
    this.#cache.committed();
    this.#codeCache.committed();
  }

  async prefetch(keys: TouchedKeys): Promise<void> {
    await Promise.all([
      this.accounts.prefetch(keys.accounts),
      this.tokenBalances.prefetch(keys.tokenBalances),
      this.gasGrants.prefetch(keys.gasGrants),
    ]);
  }

  /** Every stored account, from the store (the cache holds only some): an audit, not a hot path. */
  async *storedAccounts(): AsyncIterable<Account> {
    const codec = TABLE_CODECS.accounts;
    for await (const [key, value] of this.#reader.entries(Uint8Array.of(codec.prefix))) {
      yield decodeStateValue(codec, bytesToHex(key.subarray(1)), value);
    }
  }
}

const TRANSFER_SELECTOR = erc20Interface.getFunction("transfer")?.selector ?? "";

/**
 * The large-table keys a block's transactions and claims will read: senders, recipients, the proposer and the
 * token balances a transfer, withdrawal or deposit moves. A key missed here is still read, synchronously.
 */
export function touchedKeys(
  txs: readonly AppTx[],
  claims: readonly DepositClaim[],
  proposer: Address | null,
  isToken: (address: Address) => boolean,
): TouchedKeys {
  // The gas pool takes every transaction's base fee.
  const accounts: Address[] = proposer === null ? [GAS_POOL_ADDRESS] : [proposer, GAS_POOL_ADDRESS];
  const tokenBalances: string[] = [];
  for (const tx of txs) {
    accounts.push(tx.from);
    if (tx.to === null) continue;
    // The recipient, or the contract called: the EVM reads a precompile's account too.
    accounts.push(tx.to);
    if (isToken(tx.to)) {
      tokenBalances.push(tokenBalanceKey(tx.to, tx.from));
      // transfer(address,uint256): the recipient is the first argument's low 20 bytes.
      if (tx.data.startsWith(TRANSFER_SELECTOR) && tx.data.length >= 138) {
        tokenBalances.push(tokenBalanceKey(tx.to, `0x${tx.data.slice(34, 74)}` as Address));
      }
    } else if (tx.to === BRIDGE_ADDRESS) {
      // withdraw(address l2Token, ...): the sender's balance of that token is burnt.
      if (tx.data.length >= 74)
        tokenBalances.push(tokenBalanceKey(`0x${tx.data.slice(34, 74)}` as Address, tx.from));
    }
  }
  const gasGrants: Address[] = [];
  for (const claim of claims) {
    tokenBalances.push(tokenBalanceKey(bridgedTokenAddress(claim.l1Token), claim.to));
    // The gas grant reads the recipient's balance and whether it was granted before.
    accounts.push(claim.to);
    gasGrants.push(claim.to);
  }
  return { accounts, tokenBalances, gasGrants };
}
