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

/** The fields of a legacy or type-2 transaction as read from its encoding, before any check of their values. */
export interface WireAccessEntry {
  address: Uint8Array;
  storageKeys: Uint8Array[];
}

export interface WireTx {
  type: 0 | 2;
  /** Legacy: derived from v (0 for v = 27/28). */
  chainId: bigint;
  nonce: bigint;
  /** Legacy only; null for type 2. */
  gasPrice: bigint | null;
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
  gasLimit: bigint;
  /** Null: contract creation. */
  to: Uint8Array | null;
  value: bigint;
  data: Uint8Array;
  /** EIP-2930's list of addresses and storage keys the transaction pre-pays access to (type 2; empty for legacy). */
  accessList: WireAccessEntry[];
  /** Null when the encoding is an unsigned form (legacy 6 items or r = s = 0, type 2 with 9 items). */
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
const EMPTY = new Uint8Array(0);
const TYPE_2 = Uint8Array.of(0x02);

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
    signature,
    canonical: read.minimal,
    items,
  };
}

function parseType2(items: RlpTree[]): WireTx {
  if (items.length !== 12 && items.length !== 9) {
    throw malformed(`a type-2 transaction has 12 items, not ${items.length}`);
  }
  const read = new ItemReader(items);
  const chainId = read.uint(0, "chainId");
  const nonce = read.uint(1, "nonce", MAX_SAFE);
  const maxPriorityFeePerGas = read.uint(2, "maxPriorityFeePerGas");
  const maxFeePerGas = read.uint(3, "maxFeePerGas");
  const gasLimit = read.uint(4, "gasLimit");
  const to = read.address(5);
  const value = read.uint(6, "value");
  const data = read.bytes(7, "data");
  const accessList = readAccessList(items[8]);
  let signature: WireSignature | null = null;
  if (items.length === 12) {
    const yParity = read.uint(9, "yParity", 1n);
    const r = read.word(10, "r");
    const s = read.word(11, "s");
    signature = { yParity: yParity === 0n ? 0 : 1, r, s, sValue: toBigInt(s) };
  }
  return {
    type: 2,
    chainId,
    nonce,
    gasPrice: null,
    maxFeePerGas,
    maxPriorityFeePerGas,
    gasLimit,
    to,
    value,
    accessList,
    data,
    signature,
    canonical: read.minimal,
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
 * Reads a legacy (first byte >= 0xc0) or type-2 (first byte 0x02) transaction; throws AppError("tx-malformed")
 * for what ethers' Transaction.from refused. A non-canonical RLP is read again with ethers' tolerant reader, only
 * so that such an input gets the error it had before (an unsigned or high-s one is refused for its signature).
 */
export function readWireTx(raw: Uint8Array): WireTx {
  const typed = raw[0] === 0x02;
  const body = typed ? raw.subarray(1) : raw;
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
  const tx = typed ? parseType2(tree) : parseLegacy(tree);
  if (!canonicalRlp) tx.canonical = false;
  return tx;
}

/** The payload the sender signed, from the items as encoded (canonical by the time it is needed). */
export function signingPayload(tx: WireTx): Uint8Array {
  if (tx.type === 2) return concatBytes(TYPE_2, RLP.encode(tx.items.slice(0, 9)));
  const fields = tx.items.slice(0, 6);
  if (tx.chainId !== 0n) fields.push(uintToBytes(tx.chainId), EMPTY, EMPTY);
  return RLP.encode(fields);
}
