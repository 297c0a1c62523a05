import type { Address, Hex } from "../crypto/index.ts";
import type { Withdrawal } from "../types/index.ts";
import { BRIDGE_ADDRESS, STAKING_ADDRESS } from "./addresses.ts";
import { Table, type TableLayer } from "./table.ts";

export interface Account {
  nonce: bigint;
  balance: bigint;
  /** keccak256 of the account's code (its entry in the code table); absent for an account without code. */
  codeHash?: Hex;
}

export interface TokenInfo {
  address: Address;
  /** The L1 token it is bridged from (the zero address for ETH -> WETH), or null for a sidechain-native token. */
  l1Token: Address | null;
  name: string;
  symbol: string;
  decimals: number;
  totalSupply: bigint;
}

export interface UnbondingEntry {
  /** The first epoch in which the amount can be withdrawn. */
  releaseEpoch: number;
  amount: bigint;
}

/**
 * A validator's punishment record (DESIGN.md §4, Slashing). Absent means all defaults: a validator that signs
 * every block and was never punished has none, so signing writes nothing.
 */
export interface SigningInfo {
  /** Out of the validator set from the next epoch end until it calls unjail(). */
  jailed: boolean;
  /** The first height whose block may carry its unjail() (0: never jailed). */
  jailedUntil: number;
  /** All ever slashed from it, stake and unbonding, in base units. */
  slashed: bigint;
  /** Double signs at heights up to this one are already punished (0: none is). */
  punishedThrough: number;
  /** The bucket (signingWindow.ts) that missedBuckets[0] counts; meaningless while missedBuckets is empty. */
  firstMissedBucket: number;
  /** Missed votes per bucket from firstMissedBucket on: at most MAX_WINDOW_BUCKETS entries. */
  missedBuckets: readonly number[];
}

export const EMPTY_SIGNING_INFO: SigningInfo = Object.freeze({
  jailed: false,
  jailedUntil: 0,
  slashed: 0n,
  punishedThrough: 0,
  firstMissedBucket: 0,
  missedBuckets: Object.freeze([]) as readonly number[],
});

/** A withdrawal with the height of the block that recorded it (checkpoints cover height ranges). */
export interface WithdrawalRecord extends Withdrawal {
  height: number;
}

/** A credited L1 deposit (DESIGN.md §5), with the height of the block whose claims included it. */
export interface DepositRecord {
  nonce: bigint;
  l1Token: Address;
  l2Token: Address;
  from: Address;
  to: Address;
  /** As locked on L1; deposits.ts says when the sidechain credits less. */
  amount: bigint;
  l1TxHash: Hex;
  height: number;
}

export const META_HEIGHT = "height";
export const META_NEXT_WITHDRAWAL_ID = "nextWithdrawalId";
/** The next block's base fee; absent while it is the genesis minGasPrice (DESIGN §4). */
export const META_BASE_FEE = "baseFee";
/** Absent until the first deposit (it reads as 0), so genesis states and their appHashes stay as they were. */
export const META_NEXT_DEPOSIT_NONCE = "nextDepositNonce";

const ZERO_ACCOUNT: Account = Object.freeze({ nonce: 0n, balance: 0n });
const EMPTY_CODE = new Uint8Array(0);

/** The tables a ledger overlay reads through: another LedgerState, or the store-backed root (storedState.ts). */
export interface LedgerLayers {
  readonly accounts: TableLayer<Account>;
  readonly tokens: TableLayer<TokenInfo>;
  readonly tokenBalances: TableLayer<bigint>;
  readonly stakes: TableLayer<bigint>;
  readonly unbonding: TableLayer<readonly UnbondingEntry[]>;
  readonly validators: TableLayer<bigint>;
  readonly withdrawals: TableLayer<WithdrawalRecord>;
  readonly deposits: TableLayer<DepositRecord>;
  readonly code: TableLayer<Uint8Array>;
  readonly storage: TableLayer<bigint>;
  readonly allowances: TableLayer<bigint>;
  readonly permitNonces: TableLayer<bigint>;
  readonly gasGrants: TableLayer<bigint>;
  readonly signingInfos: TableLayer<SigningInfo>;
  readonly meta: TableLayer<bigint>;
}

/**
 * The ledger. Each field is a copy-on-write table (see table.ts); `child()` gives an overlay whose changes reach
 * this state only through `mergeIntoParent()`. A root state holds everything in memory; a state over
 * LedgerLayers reads what it does not hold from them. Default values (an empty account, a zero balance or stake)
 * are never stored, so equal states always have equal tables.
 */
export class LedgerState implements LedgerLayers {
  readonly accounts: Table<Account>;
  readonly tokens: Table<TokenInfo>;
  /** Key: token address ‖ holder address without its 0x. */
  readonly tokenBalances: Table<bigint>;
  readonly stakes: Table<bigint>;
  /** Pending unbondings per address, ascending release epoch, one entry per epoch. */
  readonly unbonding: Table<readonly UnbondingEntry[]>;
  /** The active validator set's powers, as of the last epoch boundary. */
  readonly validators: Table<bigint>;
  /** Key: the id as 64 hex digits, so key order is id order. */
  readonly withdrawals: Table<WithdrawalRecord>;
  /** Key: the nonce as 64 hex digits, so key order is nonce order. */
  readonly deposits: Table<DepositRecord>;
  /** Contract code by its keccak256, as Ethereum keys code: accounts point at it with their codeHash. */
  readonly code: Table<Uint8Array>;
  /** Contract storage. Key: address ‖ 32-byte slot without their 0x; a zero word is never stored. */
  readonly storage: Table<bigint>;
  /** ERC20 allowances of the system tokens. Key: token ‖ owner ‖ spender without their 0x. */
  readonly allowances: Table<bigint>;
  /** EIP-2612 permit nonces of the system tokens. Key: token ‖ owner without its 0x. */
  readonly permitNonces: Table<bigint>;
  /** The gas pool's grant to each address it ever paid one (DESIGN.md §4): an address is granted once. */
  readonly gasGrants: Table<bigint>;
  /** Validators' punishment records: only those that ever missed a vote or were punished. */
  readonly signingInfos: Table<SigningInfo>;
  readonly meta: Table<bigint>;

  constructor(parent: LedgerLayers | null = null) {
    this.accounts = new Table(parent?.accounts ?? null);
    this.tokens = new Table(parent?.tokens ?? null);
    this.tokenBalances = new Table(parent?.tokenBalances ?? null);
    this.stakes = new Table(parent?.stakes ?? null);
    this.unbonding = new Table(parent?.unbonding ?? null);
    this.validators = new Table(parent?.validators ?? null);
    this.withdrawals = new Table(parent?.withdrawals ?? null);
    this.deposits = new Table(parent?.deposits ?? null);
    this.code = new Table(parent?.code ?? null);
    this.storage = new Table(parent?.storage ?? null);
    this.allowances = new Table(parent?.allowances ?? null);
    this.permitNonces = new Table(parent?.permitNonces ?? null);
    this.gasGrants = new Table(parent?.gasGrants ?? null);
    this.signingInfos = new Table(parent?.signingInfos ?? null);
    this.meta = new Table(parent?.meta ?? null);
  }

  child(): LedgerState {
    return new LedgerState(this);
  }

  /**
   * An overlay over this state as it is now, unchanged by later commits into it (Table.pin); release() when done.
   */
  pinnedChild(): { state: LedgerState; release: () => void } {
    const views = {
      accounts: this.accounts.pin(),
      tokens: this.tokens.pin(),
      tokenBalances: this.tokenBalances.pin(),
      stakes: this.stakes.pin(),
      unbonding: this.unbonding.pin(),
      validators: this.validators.pin(),
      withdrawals: this.withdrawals.pin(),
      deposits: this.deposits.pin(),
      code: this.code.pin(),
      storage: this.storage.pin(),
      allowances: this.allowances.pin(),
      permitNonces: this.permitNonces.pin(),
      gasGrants: this.gasGrants.pin(),
      signingInfos: this.signingInfos.pin(),
      meta: this.meta.pin(),
    } satisfies LedgerLayers;
    return {
      state: new LedgerState(views),
      release: () => {
        for (const view of Object.values(views)) view.release();
      },
    };
  }

  mergeIntoParent(): void {
    for (const table of this.tables()) table.mergeIntoParent();
  }

  tables(): Table<unknown>[] {
    return [
      this.accounts,
      this.tokens,
      this.tokenBalances,
      this.stakes,
      this.unbonding,
      this.validators,
      this.withdrawals,
      this.deposits,
      this.code,
      this.storage,
      this.allowances,
      this.permitNonces,
      this.gasGrants,
      this.signingInfos,
      this.meta,
    ] as Table<unknown>[];
  }

  account(address: Address): Account {
    return this.accounts.get(address) ?? ZERO_ACCOUNT;
  }

  setAccount(address: Address, account: Account): void {
    const { nonce, balance, codeHash } = account;
    if (nonce === 0n && balance === 0n && codeHash === undefined) this.accounts.delete(address);
    else
      this.accounts.set(address, codeHash === undefined ? { nonce, balance } : { nonce, balance, codeHash });
  }

  addBalance(address: Address, delta: bigint): void {
    const a = this.account(address);
    const balance = a.balance + delta;
    if (balance < 0n) throw new Error(`balance of ${address} would go negative`);
    this.setAccount(address, { ...a, balance });
  }

  /** The addresses of the system contracts: the bridge, staking and every token. */
  systemContractAddresses(): Address[] {
    return [BRIDGE_ADDRESS, STAKING_ADDRESS, ...this.tokens.entries().map(([address]) => address as Address)];
  }

  /** The account's code, empty for an account without code. */
  codeOf(address: Address): Uint8Array {
    const hash = this.account(address).codeHash;
    return hash === undefined ? EMPTY_CODE : (this.code.get(hash) ?? EMPTY_CODE);
  }

  storageAt(address: Address, slot: Hex): bigint {
    return this.storage.get(storageKey(address, slot)) ?? 0n;
  }

  setStorageAt(address: Address, slot: Hex, value: bigint): void {
    const key = storageKey(address, slot);
    if (value === 0n) this.storage.delete(key);
    else this.storage.set(key, value);
  }

  allowance(token: Address, owner: Address, spender: Address): bigint {
    return this.allowances.get(allowanceKey(token, owner, spender)) ?? 0n;
  }

  setAllowance(token: Address, owner: Address, spender: Address, amount: bigint): void {
    const key = allowanceKey(token, owner, spender);
    if (amount === 0n) this.allowances.delete(key);
    else this.allowances.set(key, amount);
  }

  permitNonce(token: Address, owner: Address): bigint {
    return this.permitNonces.get(tokenBalanceKey(token, owner)) ?? 0n;
  }

  setPermitNonce(token: Address, owner: Address, nonce: bigint): void {
    const key = tokenBalanceKey(token, owner);
    if (nonce === 0n) this.permitNonces.delete(key);
    else this.permitNonces.set(key, nonce);
  }

  tokenBalance(token: Address, holder: Address): bigint {
    return this.tokenBalances.get(tokenBalanceKey(token, holder)) ?? 0n;
  }

  setTokenBalance(token: Address, holder: Address, amount: bigint): void {
    const key = tokenBalanceKey(token, holder);
    if (amount === 0n) this.tokenBalances.delete(key);
    else this.tokenBalances.set(key, amount);
  }

  stake(address: Address): bigint {
    return this.stakes.get(address) ?? 0n;
  }

  setStake(address: Address, amount: bigint): void {
    if (amount === 0n) this.stakes.delete(address);
    else this.stakes.set(address, amount);
  }

  unbondingOf(address: Address): readonly UnbondingEntry[] {
    return this.unbonding.get(address) ?? [];
  }

  setUnbonding(address: Address, entries: readonly UnbondingEntry[]): void {
    if (entries.length === 0) this.unbonding.delete(address);
    else this.unbonding.set(address, entries);
  }

  setValidatorPower(address: Address, power: bigint): void {
    if (power === 0n) this.validators.delete(address);
    else this.validators.set(address, power);
  }

  withdrawal(id: bigint): WithdrawalRecord | undefined {
    return this.withdrawals.get(withdrawalKey(id));
  }

  addWithdrawal(record: WithdrawalRecord): void {
    this.withdrawals.set(withdrawalKey(record.id), record);
  }

  deposit(nonce: bigint): DepositRecord | undefined {
    return this.deposits.get(depositKey(nonce));
  }

  addDeposit(record: DepositRecord): void {
    this.deposits.set(depositKey(record.nonce), record);
  }

  /** The grant the gas pool paid this address, 0 if it never paid one. */
  gasGrant(address: Address): bigint {
    return this.gasGrants.get(address) ?? 0n;
  }

  setGasGrant(address: Address, amount: bigint): void {
    if (amount === 0n) this.gasGrants.delete(address);
    else this.gasGrants.set(address, amount);
  }

  signingInfo(address: Address): SigningInfo {
    return this.signingInfos.get(address) ?? EMPTY_SIGNING_INFO;
  }

  setSigningInfo(address: Address, info: SigningInfo): void {
    const isEmpty =
      !info.jailed &&
      info.jailedUntil === 0 &&
      info.slashed === 0n &&
      info.punishedThrough === 0 &&
      info.missedBuckets.length === 0;
    if (isEmpty) this.signingInfos.delete(address);
    else this.signingInfos.set(address, info);
  }

  height(): number {
    return Number(this.meta.get(META_HEIGHT) ?? 0n);
  }

  setHeight(height: number): void {
    this.meta.set(META_HEIGHT, BigInt(height));
  }

  nextWithdrawalId(): bigint {
    return this.meta.get(META_NEXT_WITHDRAWAL_ID) ?? 0n;
  }

  setNextWithdrawalId(id: bigint): void {
    this.meta.set(META_NEXT_WITHDRAWAL_ID, id);
  }

  nextDepositNonce(): bigint {
    return this.meta.get(META_NEXT_DEPOSIT_NONCE) ?? 0n;
  }

  setNextDepositNonce(nonce: bigint): void {
    this.meta.set(META_NEXT_DEPOSIT_NONCE, nonce);
  }
}

export function tokenBalanceKey(token: Address, holder: Address): string {
  return `${token}${holder.slice(2)}`;
}

/** `slot`: 32 bytes as 0x + 64 lowercase hex digits. */
export function storageKey(address: Address, slot: Hex): string {
  return `${address}${slot.slice(2)}`;
}

export function allowanceKey(token: Address, owner: Address, spender: Address): string {
  return `${token}${owner.slice(2)}${spender.slice(2)}`;
}

export function withdrawalKey(id: bigint): string {
  return sequenceKey(id);
}

export function depositKey(nonce: bigint): string {
  return sequenceKey(nonce);
}

function sequenceKey(n: bigint): string {
  return `0x${n.toString(16).padStart(64, "0")}`;
}
