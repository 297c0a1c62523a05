import type { AccountFields, StateManagerInterface } from "@ethereumjs/common";
import {
  Account as EvmAccount,
  type Address as EvmAddress,
  KECCAK256_NULL,
  KECCAK256_RLP,
} from "@ethereumjs/util";
import {
  type Address,
  bytesToHex,
  bytesToUint,
  equalBytes,
  type Hex,
  hexToBytes,
  keccak256,
  uintToBytes,
} from "../../crypto/index.ts";
import type { Account, LedgerState } from "../state.ts";

const EMPTY = new Uint8Array(0);

/** 32 big-endian bytes as the storage key our tables use. */
function slotHex(key: Uint8Array): Hex {
  if (key.length !== 32) throw new Error(`storage key of ${key.length} bytes`);
  return bytesToHex(key);
}

/** A stored word as the EVM expects it: empty for zero, else left-padded to 32 bytes (as its own state managers). */
function wordBytes(value: bigint): Uint8Array {
  if (value === 0n) return EMPTY;
  const bytes = uintToBytes(value);
  const word = new Uint8Array(32);
  word.set(bytes, 32 - bytes.length);
  return word;
}

/**
 * The EVM's view of the ledger: each EVM checkpoint is a child overlay of the one below, a commit merges it down,
 * a revert forgets it, so a reverted call frame undoes exactly its own writes (the system precompiles write to
 * `current`, so their writes follow the same frames). The bottom of the stack is the overlay the transaction
 * started on, which holds the storage values EIP-2200's gas rules call original.
 */
export class LedgerStateManager implements StateManagerInterface {
  #stack: LedgerState[] = [];
  /** Storage slots written since the transaction began, per address: what clearStorage removes (EIP-6780). */
  readonly #written = new Map<Address, Set<Hex>>();

  readonly originalStorageCache = {
    get: async (address: EvmAddress, key: Uint8Array): Promise<Uint8Array> =>
      wordBytes(this.base.storageAt(address.toString() as Address, slotHex(key))),
    clear: (): void => {},
  };

  /** Starts a transaction on `base`: the stack is reset, whatever a failed run left on it. */
  beginTransaction(base: LedgerState): void {
    this.#stack = [base];
    this.#written.clear();
  }

  get base(): LedgerState {
    const base = this.#stack[0];
    if (base === undefined) throw new Error("no transaction has begun");
    return base;
  }

  /** The overlay of the innermost open checkpoint: where writes go now. */
  get current(): LedgerState {
    const top = this.#stack[this.#stack.length - 1];
    if (top === undefined) throw new Error("no transaction has begun");
    return top;
  }

  async getAccount(address: EvmAddress): Promise<EvmAccount | undefined> {
    const account = this.current.accounts.get(address.toString());
    if (account === undefined) return undefined;
    const codeHash = account.codeHash === undefined ? KECCAK256_NULL : hexToBytes(account.codeHash, 32);
    return new EvmAccount(account.nonce, account.balance, KECCAK256_RLP, codeHash);
  }

  async putAccount(address: EvmAddress, account?: EvmAccount): Promise<void> {
    const key = address.toString() as Address;
    if (account === undefined) {
      this.current.accounts.delete(key);
      return;
    }
    this.current.setAccount(key, toLedgerAccount(account));
  }

  async deleteAccount(address: EvmAddress): Promise<void> {
    await this.clearStorage(address);
    this.current.accounts.delete(address.toString());
  }

  async modifyAccountFields(address: EvmAddress, fields: AccountFields): Promise<void> {
    const account = (await this.getAccount(address)) ?? new EvmAccount();
    if (fields.nonce !== undefined) account.nonce = fields.nonce;
    if (fields.balance !== undefined) account.balance = fields.balance;
    if (fields.codeHash !== undefined) account.codeHash = fields.codeHash;
    await this.putAccount(address, account);
  }

  async putCode(address: EvmAddress, code: Uint8Array): Promise<void> {
    const key = address.toString() as Address;
    const account = this.current.account(key);
    if (code.length === 0) {
      this.current.setAccount(key, { nonce: account.nonce, balance: account.balance });
      return;
    }
    const hash = bytesToHex(keccak256(code));
    this.current.code.set(hash, code);
    this.current.setAccount(key, { ...account, codeHash: hash });
  }

  async getCode(address: EvmAddress): Promise<Uint8Array> {
    return this.current.codeOf(address.toString() as Address);
  }

  async getCodeSize(address: EvmAddress): Promise<number> {
    return this.current.codeOf(address.toString() as Address).length;
  }

  async getStorage(address: EvmAddress, key: Uint8Array): Promise<Uint8Array> {
    return wordBytes(this.current.storageAt(address.toString() as Address, slotHex(key)));
  }

  async putStorage(address: EvmAddress, key: Uint8Array, value: Uint8Array): Promise<void> {
    const owner = address.toString() as Address;
    const slot = slotHex(key);
    this.current.setStorageAt(owner, slot, bytesToUint(value));
    let slots = this.#written.get(owner);
    if (slots === undefined) {
      slots = new Set();
      this.#written.set(owner, slots);
    }
    slots.add(slot);
  }

  /**
   * Clears what this transaction wrote. The EVM clears storage only of a contract created in the same transaction
   * (EIP-6780, and CREATE over an address that had none), so that is all the storage it can hold.
   */
  async clearStorage(address: EvmAddress): Promise<void> {
    const owner = address.toString() as Address;
    for (const slot of this.#written.get(owner) ?? []) this.current.setStorageAt(owner, slot, 0n);
  }

  async checkpoint(): Promise<void> {
    this.#stack.push(this.current.child());
  }

  async commit(): Promise<void> {
    if (this.#stack.length < 2) throw new Error("commit without a checkpoint");
    this.current.mergeIntoParent();
    this.#stack.pop();
  }

  async revert(): Promise<void> {
    if (this.#stack.length < 2) throw new Error("revert without a checkpoint");
    this.#stack.pop();
  }

  // The appHash is a chain over each block's writes (DESIGN §4), not a state root the EVM could ask for.
  async getStateRoot(): Promise<Uint8Array> {
    throw new Error("the ledger has no state root");
  }

  async setStateRoot(): Promise<void> {
    throw new Error("the ledger has no state root");
  }

  async hasStateRoot(): Promise<boolean> {
    return false;
  }

  clearCaches(): void {}

  shallowCopy(): StateManagerInterface {
    const copy = new LedgerStateManager();
    copy.beginTransaction(this.current);
    return copy;
  }
}

function toLedgerAccount(account: EvmAccount): Account {
  const { nonce, balance } = account;
  if (equalBytes(account.codeHash, KECCAK256_NULL)) return { nonce, balance };
  return { nonce, balance, codeHash: bytesToHex(account.codeHash) };
}
