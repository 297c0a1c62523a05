import { RLP } from "@ethereumjs/rlp";
import { decodeRlp, type RlpStructuredData } from "ethers/utils";
import { concatBytes, hexToBytes, uintToBytes } from "../crypto/index.ts";
import { errorMessage } from "../util/errors.ts";
import { AppError } from "./errors.ts";

/** What an RLP reader yields: a byte string or a list. */
export type RlpTree = Uint8Array | RlpTree[];

export interface WireSignature {
  yParity: 0 | 1;
  /** As encoded: at most 32 bytes, big-endian. */
  r: Uint8Array;
  s: Uint8Array;
  sValue: bigint;
}

export interface WireAccessEntry {
  address: Uint8Array;
  storageKeys: Uint8Array[];
}

/**
 * An EIP-7702 authorization tuple as encoded: [chain_id, address, nonce, y_parity, r, s]. Its signature is checked
 * only when the transaction executes (an invalid tuple is skipped there, it does not make the transaction invalid).
 */
export interface WireAuthorization {
  chainId: bigint;
  address: Uint8Array;
  nonce: bigint;
  yParity: bigint;
  r: bigint;
  s: bigint;
}

/** The transaction types this chain reads: legacy, EIP-2930, EIP-1559 and EIP-7702. */
export type TxType = 0 | 1 | 2 | 4;

/** The fields of a transaction as read from its encoding, before any check of their values. */
export interface WireTx {
  type: TxType;
  /** Legacy: derived from v (0 for v = 27/28). */
  chainId: bigint;
  nonce: bigint;
  /** Legacy and type 1; null for types 2 and 4. */
  gasPrice: bigint | null;
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
  gasLimit: bigint;
  /** Null: contract creation. */
  to: Uint8Array | null;
  value: bigint;
  data: Uint8Array;
  /** EIP-2930's list of addresses and storage keys the transaction pre-pays access to (empty for legacy). */
  accessList: WireAccessEntry[];
  /** EIP-7702's authorization list (type 4; empty for the others). */
  authorizationList: WireAuthorization[];
  /** Null when the encoding is an unsigned form (legacy 6 items or r = s = 0, a typed one without its last 3). */
  signature: WireSignature | null;
  /**
   * The RLP is canonical and every integer has its one minimal form: the encoding is the only one of these
   * fields (what ethers' parse-and-reserialise test established).
   */
  canonical: boolean;
  /** The top-level items, for the signing payload. */
  items: RlpTree[];
}

const MAX_UINT256 = (1n << 256n) - 1n;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MAX_UINT64 = (1n << 64n) - 1n;
const EMPTY = new Uint8Array(0);

function malformed(reason: string): AppError {
  return new AppError("tx-malformed", `malformed transaction: ${reason}`);
}

function toBigInt(bytes: Uint8Array): bigint {
  if (bytes.length <= 6) {
    let n = 0;
    for (const b of bytes) n = n * 256 + b;
    return BigInt(n);
  }
  return BigInt(`0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex")}`);
}

/**
 * Reads the items of a transaction list with the same acceptance as ethers v6's Transaction.from (so that each
 * input keeps the verdict it had), recording any integer with a leading zero byte: such an input parses, and is
 * refused as non-canonical only after the checks that came before the re-serialisation.
 */
class ItemReader {
  minimal = true;

  constructor(private readonly items: RlpTree[]) {}

  bytes(index: number, what: string): Uint8Array {
    const item = this.items[index];
    if (!(item instanceof Uint8Array)) throw malformed(`${what} is a list, not a byte string`);
    return item;
  }

  /** An unsigned integer of any encoded length whose value fits `max` (ethers: uint256, nonce a safe integer). */
  uint(index: number, what: string, max = MAX_UINT256): bigint {
    const bytes = this.bytes(index, what);
    if (bytes[0] === 0) this.minimal = false;
    const value = toBigInt(bytes);
    if (value > max) throw malformed(`${what} out of range`);
    return value;
  }

  /** A signature scalar: at most 32 bytes as encoded. */
  word(index: number, what: string): Uint8Array {
    const bytes = this.bytes(index, what);
    if (bytes.length > 32) throw malformed(`${what} longer than 32 bytes`);
    if (bytes[0] === 0) this.minimal = false;
    return bytes;
  }

  address(index: number): Uint8Array | null {
    const bytes = this.bytes(index, "to");
    if (bytes.length === 0) return null;
    if (bytes.length !== 20) throw malformed(`to is ${bytes.length} bytes, not 20`);
    return bytes;
  }
}

function readAccessList(item: RlpTree | undefined): WireAccessEntry[] {
  if (!Array.isArray(item)) throw malformed("access list is not a list");
  const list: WireAccessEntry[] = [];
  for (const entry of item) {
    if (!Array.isArray(entry) || entry.length !== 2) {
      throw malformed("access list entry is not [address, storage keys]");
    }
    const [address, keys] = entry;
    if (!(address instanceof Uint8Array) || address.length !== 20) {
      throw malformed("access list address is not 20 bytes");
    }
    if (!Array.isArray(keys)) throw malformed("access list storage keys are not a list");
    for (const key of keys) {
      if (!(key instanceof Uint8Array) || key.length !== 32) {
        throw malformed("access list storage key is not 32 bytes");
      }
    }
    list.push({ address, storageKeys: keys as Uint8Array[] });
  }
  return list;
}

/** EIP-7702's bounds on each tuple's fields (y parity: 0 or 1): a tuple outside them makes the transaction invalid. */
function readAuthorizationList(item: RlpTree | undefined): { list: WireAuthorization[]; minimal: boolean } {
  if (!Array.isArray(item)) throw malformed("authorization list is not a list");
  const list: WireAuthorization[] = [];
  let minimal = true;
  for (const entry of item) {
    if (!Array.isArray(entry) || entry.length !== 6) {
      throw malformed("authorization is not [chain id, address, nonce, y parity, r, s]");
    }
    const read = new ItemReader(entry);
    const chainId = read.uint(0, "authorization chain id");
    const address = read.bytes(1, "authorization address");
    if (address.length !== 20) throw malformed("authorization address is not 20 bytes");
    const nonce = read.uint(2, "authorization nonce", MAX_UINT64);
    // EIP-7702 bounds it below 2^8 and skips a tuple above 1; refused here, as ethers (and the tools built on it)
    // cannot read such a transaction back, and no signer produces one.
    const yParity = read.uint(3, "authorization y parity", 1n);
    const r = read.uint(4, "authorization r");
    const s = read.uint(5, "authorization s");
    if (!read.minimal) minimal = false;
    list.push({ chainId, address, nonce, yParity, r, s });
  }
  return { list, minimal };
}

function parseLegacy(items: RlpTree[]): WireTx {
  if (items.length !== 9 && items.length !== 6) {
    throw malformed(`a legacy transaction has 9 items, not ${items.length}`);
  }
  const read = new ItemReader(items);
  const nonce = read.uint(0, "nonce", MAX_SAFE);
  const gasPrice = read.uint(1, "gasPrice");
  const gasLimit = read.uint(2, "gasLimit");
  const to = read.address(3);
  const value = read.uint(4, "value");
  const data = read.bytes(5, "data");
  let chainId = 0n;
  let signature: WireSignature | null = null;
  if (items.length === 9) {
    const v = read.uint(6, "v");
    const r = read.uint(7, "r");
    const s = read.uint(8, "s");
    // r = s = 0 is the unsigned EIP-155 form, with the chain id as v.
    if (r === 0n && s === 0n) chainId = v;
    else {
      const eip155 = v >= 37n;
      if (!eip155 && v !== 27n && v !== 28n) throw malformed(`legacy v ${v} is neither 27, 28 nor EIP-155`);
      chainId = eip155 ? (v - 35n) >> 1n : 0n;
      signature = {
        yParity: (eip155 ? (v - 35n) & 1n : v - 27n) === 0n ? 0 : 1,
        r: read.word(7, "r"),
        s: read.word(8, "s"),
        sValue: s,
      };
    }
  }
  return {
    type: 0,
    chainId,
    nonce,
    gasPrice,
    maxFeePerGas: gasPrice,
    maxPriorityFeePerGas: gasPrice,
    gasLimit,
    to,
    value,
    data,
    accessList: [],
    authorizationList: [],
    signature,
    canonical: read.minimal,
    items,
  };
}

/** Where each typed transaction keeps its fields; -1: it has none of that field. */
interface TypedLayout {
  items: number;
  gasPrice: number;
  maxPriorityFee: number;
  maxFee: number;
  authorizations: number;
}

const TYPED_LAYOUTS: Record<1 | 2 | 4, TypedLayout> = {
  // EIP-2930: [chainId, nonce, gasPrice, gasLimit, to, value, data, accessList, yParity, r, s]
  1: { items: 11, gasPrice: 2, maxPriorityFee: -1, maxFee: -1, authorizations: -1 },
  // EIP-1559: [chainId, nonce, maxPriorityFee, maxFee, gasLimit, to, value, data, accessList, yParity, r, s]
  2: { items: 12, gasPrice: -1, maxPriorityFee: 2, maxFee: 3, authorizations: -1 },
  // EIP-7702: EIP-1559's fields, then the authorization list before the signature.
  4: { items: 13, gasPrice: -1, maxPriorityFee: 2, maxFee: 3, authorizations: 9 },
};

function parseTyped(type: 1 | 2 | 4, items: RlpTree[]): WireTx {
  const layout = TYPED_LAYOUTS[type];
  if (items.length !== layout.items && items.length !== layout.items - 3) {
    throw malformed(`a type-${type} transaction has ${layout.items} items, not ${items.length}`);
  }
  const read = new ItemReader(items);
  const chainId = read.uint(0, "chainId");
  const nonce = read.uint(1, "nonce", MAX_SAFE);
  const gasPrice = layout.gasPrice < 0 ? null : read.uint(layout.gasPrice, "gasPrice");
  const maxPriorityFeePerGas = gasPrice ?? read.uint(layout.maxPriorityFee, "maxPriorityFeePerGas");
  const maxFeePerGas = gasPrice ?? read.uint(layout.maxFee, "maxFeePerGas");
  // The fields after the fees sit one item earlier in type 1, which has one fee field instead of two.
  const at = gasPrice === null ? 4 : 3;
  const gasLimit = read.uint(at, "gasLimit");
  const to = read.address(at + 1);
  const value = read.uint(at + 2, "value");
  const data = read.bytes(at + 3, "data");
  const accessList = readAccessList(items[at + 4]);
  let authorizationList: WireAuthorization[] = [];
  let canonical = true;
  if (layout.authorizations >= 0) {
    const read = readAuthorizationList(items[layout.authorizations]);
    authorizationList = read.list;
    canonical = read.minimal;
  }
  const sigAt = layout.items - 3;
  let signature: WireSignature | null = null;
  if (items.length === layout.items) {
    const yParity = read.uint(sigAt, "yParity", 1n);
    const r = read.word(sigAt + 1, "r");
    const s = read.word(sigAt + 2, "s");
    signature = { yParity: yParity === 0n ? 0 : 1, r, s, sValue: toBigInt(s) };
  }
  return {
    type,
    chainId,
    nonce,
    gasPrice,
    maxFeePerGas,
    maxPriorityFeePerGas,
    gasLimit,
    to,
    value,
    accessList,
    authorizationList,
    data,
    signature,
    canonical: canonical && read.minimal,
    items,
  };
}

/** Lists inside a transaction: the top-level list, the access list, its entries, their storage keys. */
const MAX_LIST_DEPTH = 4;

function lengthAt(data: Uint8Array, at: number, bytes: number): number {
  let length = 0;
  for (let i = 0; i < bytes; i++) length = length * 256 + (data[at + i] ?? 0);
  return length;
}

/**
 * Whether lists nest deeper than `max` (the outer list is 1), read from the headers alone without decoding. The
 * RLP reader copies each list's payload once per level, so deep nesting costs it time quadratic in the size
 * (seconds for 100 KB); no transaction nests deeper than MAX_LIST_DEPTH, so such an input is malformed whatever
 * else it holds. An inconsistent header ends the scan: the readers refuse it.
 */
function nestsDeeperThan(data: Uint8Array, max: number): boolean {
  const ends: number[] = [];
  let at = 0;
  while (at < data.length) {
    while (ends.length > 0 && at >= (ends[ends.length - 1] as number)) ends.pop();
    const prefix = data[at] as number;
    if (prefix < 0x80) at += 1;
    else if (prefix <= 0xb7) at += 1 + prefix - 0x80;
    else if (prefix <= 0xbf) {
      const bytes = prefix - 0xb7;
      at += 1 + bytes + lengthAt(data, at + 1, bytes);
    } else {
      const bytes = prefix <= 0xf7 ? 0 : prefix - 0xf7;
      const length = bytes === 0 ? prefix - 0xc0 : lengthAt(data, at + 1, bytes);
      at += 1 + bytes;
      ends.push(at + length);
      if (ends.length > max) return true;
    }
  }
  return false;
}

function fromEthers(data: RlpStructuredData): RlpTree {
  return typeof data === "string" ? hexToBytes(data) : data.map(fromEthers);
}

/**
 * Reads a legacy (first byte >= 0xc0) or typed (first byte 0x01, 0x02 or 0x04) transaction; throws
 * AppError("tx-malformed") for what ethers' Transaction.from refused. A non-canonical RLP is read again with ethers'
 * tolerant reader, only so that such an input gets the error it had before (an unsigned or high-s one is refused for
 * its signature).
 */
export function readWireTx(raw: Uint8Array): WireTx {
  const first = raw[0] ?? 0;
  const type = first === 0x01 || first === 0x02 || first === 0x04 ? first : null;
  const body = type === null ? raw : raw.subarray(1);
  if (nestsDeeperThan(body, MAX_LIST_DEPTH)) throw malformed("lists nested too deep");
  let tree: RlpTree;
  let canonicalRlp = true;
  try {
    tree = RLP.decode(body);
  } catch {
    canonicalRlp = false;
    try {
      tree = fromEthers(decodeRlp(body));
    } catch (err) {
      throw malformed(`invalid RLP: ${errorMessage(err).slice(0, 120)}`);
    }
  }
  if (!Array.isArray(tree)) throw malformed("not an RLP list");
  const tx = type === null ? parseLegacy(tree) : parseTyped(type, tree);
  if (!canonicalRlp) tx.canonical = false;
  return tx;
}

/** The payload the sender signed, from the items as encoded (canonical by the time it is needed). */
export function signingPayload(tx: WireTx): Uint8Array {
  if (tx.type !== 0) {
    return concatBytes(
      Uint8Array.of(tx.type),
      RLP.encode(tx.items.slice(0, TYPED_LAYOUTS[tx.type].items - 3)),
    );
  }
  const fields = tx.items.slice(0, 6);
  // EIP-155: the chain id is signed; a transaction without one (v = 27/28) signs the six fields alone.
  if (tx.chainId !== 0n) fields.push(uintToBytes(tx.chainId), EMPTY, EMPTY);
  return RLP.encode(fields);
}

/** EIP-7702's domain byte for an authorization's signature. */
const SET_CODE_MAGIC = Uint8Array.of(0x05);

/** What an authority signs: keccak256(0x05 || rlp([chain_id, address, nonce])) is the digest. */
export function authorizationPayload(auth: WireAuthorization): Uint8Array {
  return concatBytes(
    SET_CODE_MAGIC,
    RLP.encode([uintToBytes(auth.chainId), auth.address, uintToBytes(auth.nonce)]),
  );
}
