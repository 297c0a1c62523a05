import {
  type Address,
  bytesToHex,
  type Hex,
  hexToBytes,
  RlpError,
  type RlpItem,
  rlpBytes,
  rlpList,
} from "../crypto/index.ts";
import {
  addressFromRlp,
  addressToRlp,
  decodeTop,
  encodeTop,
  hashFromRlp,
  hashToRlp,
  listFromRlp,
  listToRlp,
  safeIntFromRlp,
  safeIntToRlp,
  uintFromRlp,
  uintToRlp,
} from "./fields.ts";
import { MAX_RECEIPTS_PER_BLOCK, type SizeLimits } from "./limits.ts";
import type { Log, Receipt } from "./receipt.ts";

/** Ethereum's LOG0..LOG4. */
export const MAX_LOG_TOPICS = 4;
/**
 * Receipts are computed by each node and never taken from peers, so these caps only keep a decoder bounded; they
 * sit above what gas allows in a block of the largest gas limit genesis accepts (a log costs at least 375 gas,
 * a byte of its data 8).
 */
export const MAX_LOGS_PER_RECEIPT = 1_000_000;
export const MAX_LOG_DATA_BYTES = 16 * 1024 * 1024;

const LOG_ITEMS = 3 + 1 + MAX_LOG_TOPICS;
const RECEIPT_ITEMS = 1 + 9 + 1 + MAX_LOGS_PER_RECEIPT * LOG_ITEMS;

export const RECEIPT_LIMITS: SizeLimits = {
  maxBytes: Number.MAX_SAFE_INTEGER,
  maxItems: RECEIPT_ITEMS,
};

/** A block's receipts. Nodes compute their own and never take them from peers, so only the item count is capped. */
export const RECEIPTS_LIMITS: SizeLimits = {
  maxBytes: Number.MAX_SAFE_INTEGER,
  maxItems: 1 + MAX_RECEIPTS_PER_BLOCK * RECEIPT_ITEMS,
};

const DATA_HEX = /^0x(?:[0-9a-f]{2})*$/;

function dataToRlp(data: Hex, what: string): Uint8Array {
  if (typeof data !== "string" || !DATA_HEX.test(data)) {
    throw new RlpError(`${what}: expected lowercase 0x-prefixed hex of whole bytes`);
  }
  if ((data.length - 2) / 2 > MAX_LOG_DATA_BYTES)
    throw new RlpError(`${what}: over ${MAX_LOG_DATA_BYTES} bytes`);
  return hexToBytes(data);
}

function dataFromRlp(item: RlpItem | undefined, what: string): Hex {
  const bytes = rlpBytes(item, what);
  if (bytes.length > MAX_LOG_DATA_BYTES) throw new RlpError(`${what}: over ${MAX_LOG_DATA_BYTES} bytes`);
  return bytesToHex(bytes);
}

/** RLP: [address, [topic...], data]. */
export function logToRlp(log: Log, what = "log"): RlpItem {
  return [
    addressToRlp(log.address, `${what}.address`),
    listToRlp(log.topics, MAX_LOG_TOPICS, `${what}.topics`, hashToRlp),
    dataToRlp(log.data, `${what}.data`),
  ];
}

export function logFromRlp(item: RlpItem | undefined, what = "log"): Log {
  const [address, topics, data] = rlpList(item, 3, what);
  return {
    address: addressFromRlp(address, `${what}.address`),
    topics: listFromRlp(topics, MAX_LOG_TOPICS, `${what}.topics`, hashFromRlp),
    data: dataFromRlp(data, `${what}.data`),
  };
}

function statusToRlp(status: 0 | 1, what: string): Uint8Array {
  if (status !== 0 && status !== 1) throw new RlpError(`${what}: status must be 0 or 1`);
  return safeIntToRlp(status, what);
}

function statusFromRlp(item: RlpItem | undefined, what: string): 0 | 1 {
  const status = safeIntFromRlp(item, what);
  if (status !== 0 && status !== 1) throw new RlpError(`${what}: status must be 0 or 1, got ${status}`);
  return status;
}

/**
 * RLP: [txHash, status, gasUsed, cumulativeGasUsed, effectiveGasPrice, from, to | "", [log...], contractAddress |
 * ""]. Gas amounts are uint64 as in Ethereum; the price is a uint256. Receipts stored before contracts existed
 * have no contractAddress item and decode with null.
 */
export function receiptToRlp(r: Receipt, what = "receipt"): RlpItem {
  return [
    hashToRlp(r.txHash, `${what}.txHash`),
    statusToRlp(r.status, `${what}.status`),
    uintToRlp(r.gasUsed, `${what}.gasUsed`, 8),
    uintToRlp(r.cumulativeGasUsed, `${what}.cumulativeGasUsed`, 8),
    uintToRlp(r.effectiveGasPrice, `${what}.effectiveGasPrice`),
    addressToRlp(r.from, `${what}.from`),
    r.to === null ? new Uint8Array(0) : addressToRlp(r.to, `${what}.to`),
    listToRlp(r.logs, MAX_LOGS_PER_RECEIPT, `${what}.logs`, logToRlp),
    optionalAddressToRlp(r.contractAddress, `${what}.contractAddress`),
  ];
}

function optionalAddressToRlp(address: Address | null, what: string): Uint8Array {
  return address === null ? new Uint8Array(0) : addressToRlp(address, what);
}

function optionalAddressFromRlp(item: RlpItem | undefined, what: string): Address | null {
  const bytes = rlpBytes(item, what);
  return bytes.length === 0 ? null : addressFromRlp(bytes, what);
}

export function receiptFromRlp(item: RlpItem | undefined, what = "receipt"): Receipt {
  const fields = Array.isArray(item) && item.length === 8 ? rlpList(item, 8, what) : rlpList(item, 9, what);
  const [txHash, status, gasUsed, cumulativeGasUsed, effectiveGasPrice, from, to, logs, contractAddress] =
    fields;
  return {
    txHash: hashFromRlp(txHash, `${what}.txHash`),
    status: statusFromRlp(status, `${what}.status`),
    gasUsed: uintFromRlp(gasUsed, `${what}.gasUsed`, 8),
    cumulativeGasUsed: uintFromRlp(cumulativeGasUsed, `${what}.cumulativeGasUsed`, 8),
    effectiveGasPrice: uintFromRlp(effectiveGasPrice, `${what}.effectiveGasPrice`),
    from: addressFromRlp(from, `${what}.from`),
    to: optionalAddressFromRlp(to, `${what}.to`),
    logs: listFromRlp(logs, MAX_LOGS_PER_RECEIPT, `${what}.logs`, logFromRlp),
    contractAddress:
      contractAddress === undefined
        ? null
        : optionalAddressFromRlp(contractAddress, `${what}.contractAddress`),
  };
}

export function encodeReceipt(r: Receipt): Uint8Array {
  return encodeTop(receiptToRlp(r), RECEIPT_LIMITS, "receipt");
}

export function decodeReceipt(bytes: Uint8Array): Receipt {
  return receiptFromRlp(decodeTop(bytes, RECEIPT_LIMITS, "receipt"));
}

/** A block's receipts in transaction order: its deposit transactions, then its signed ones. */
export function encodeReceipts(rs: readonly Receipt[]): Uint8Array {
  return encodeTop(
    listToRlp(rs, MAX_RECEIPTS_PER_BLOCK, "receipts", receiptToRlp),
    RECEIPTS_LIMITS,
    "receipts",
  );
}

export function decodeReceipts(bytes: Uint8Array): Receipt[] {
  return listFromRlp(
    decodeTop(bytes, RECEIPTS_LIMITS, "receipts"),
    MAX_RECEIPTS_PER_BLOCK,
    "receipts",
    receiptFromRlp,
  );
}
