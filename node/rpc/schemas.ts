import { z } from "zod";
import type { Address, Hex } from "../crypto/index.ts";
import { addressWire, dataWire, hashWire, MAX_UINT256 } from "../types/rpc/wire.ts";
import type { CallAuthorization, CallRequest } from "./backend.ts";

/** zod schemas for Ethereum JSON-RPC parameters; each failure message says what was expected. */

const QUANTITY_RE = /^0x[0-9a-fA-F]+$/;

/** A QUANTITY up to 2^256 - 1; leading zeros are tolerated on input (some clients pad). */
export const quantitySchema = z
  .string({ error: "expected a hex quantity such as 0x1a" })
  .regex(QUANTITY_RE, "expected a hex quantity such as 0x1a")
  .max(2 + 64 + 16, "quantity is larger than 256 bits")
  .transform((s, ctx) => {
    const v = BigInt(s);
    if (v > MAX_UINT256) {
      ctx.addIssue({ code: "custom", message: "quantity is larger than 256 bits" });
      return z.NEVER;
    }
    return v;
  });

/** A QUANTITY used as a count or height: must be a safe integer. */
export const safeIntSchema = quantitySchema.transform((v, ctx) => {
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) {
    ctx.addIssue({ code: "custom", message: "number is too large" });
    return z.NEVER;
  }
  return Number(v);
});

// One spelling of addresses, hashes and DATA for both namespaces: the outrigger_* wire codecs'.
export const addressSchema = addressWire;
export const hashSchema = hashWire;
/** DATA: even-length hex, lowercased. */
export const dataSchema = dataWire;

export const booleanSchema = z.boolean({ error: "expected true or false" });

export type BlockTag = "latest" | "safe" | "finalized" | "pending" | "earliest";

/** Where a block parameter points; tags resolve against the node's head when the method runs. */
export type BlockRef =
  | { kind: "tag"; tag: BlockTag }
  | { kind: "number"; height: number }
  | { kind: "hash"; hash: Hex; requireCanonical: boolean };

const TAGS: readonly string[] = ["latest", "safe", "finalized", "pending", "earliest"];
const BLOCK_REF_MESSAGE =
  'expected a block number (hex), "latest", "safe", "finalized", "pending", "earliest" or a block hash';

function parseBlockRef(value: unknown): BlockRef | string {
  if (typeof value === "string") {
    if (TAGS.includes(value)) return { kind: "tag", tag: value as BlockTag };
    // geth's rule: a 32-byte hex string is a block hash, anything shorter a number.
    if (value.length === 66) {
      const hash = hashSchema.safeParse(value);
      return hash.success ? { kind: "hash", hash: hash.data, requireCanonical: false } : BLOCK_REF_MESSAGE;
    }
    const height = safeIntSchema.safeParse(value);
    if (height.success) return { kind: "number", height: height.data };
    return QUANTITY_RE.test(value) ? "block number is too large" : BLOCK_REF_MESSAGE;
  }
  // EIP-1898: { blockNumber } or { blockHash, requireCanonical? }.
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const o = value as Record<string, unknown>;
    if ("blockHash" in o && !("blockNumber" in o)) {
      const hash = hashSchema.safeParse(o.blockHash);
      if (!hash.success) return "blockHash: expected a 32-byte hash";
      const rc = o.requireCanonical;
      if (rc !== undefined && typeof rc !== "boolean") return "requireCanonical: expected true or false";
      return { kind: "hash", hash: hash.data, requireCanonical: rc === true };
    }
    if ("blockNumber" in o && !("blockHash" in o)) {
      const inner = parseBlockRef(o.blockNumber);
      return typeof inner === "string" || inner.kind === "hash" ? `blockNumber: ${BLOCK_REF_MESSAGE}` : inner;
    }
    return "expected exactly one of blockNumber or blockHash";
  }
  return BLOCK_REF_MESSAGE;
}

export const blockRefSchema = z.unknown().transform((value, ctx): BlockRef => {
  const ref = parseBlockRef(value);
  if (typeof ref === "string") {
    ctx.addIssue({ code: "custom", message: ref });
    return z.NEVER;
  }
  return ref;
});

export type NumberOrTagRef = Exclude<BlockRef, { kind: "hash" }>;

/** A block number or tag, without the hash forms (eth_getBlockByNumber, log filter bounds, feeHistory). */
export const blockNumberOrTagSchema = blockRefSchema.transform((ref, ctx): NumberOrTagRef => {
  if (ref.kind === "hash") {
    ctx.addIssue({ code: "custom", message: "expected a block number or tag, not a block hash" });
    return z.NEVER;
  }
  return ref;
});

const optionalNullable = <T extends z.ZodType>(schema: T) => schema.nullish();

/** More entries than any block's gas could pay for (2,400 gas each): a bound on what a request makes us hold. */
const MAX_CALL_LIST = 20_000;

const accessListSchema = z
  .array(z.object({ address: addressSchema, storageKeys: z.array(hashSchema).max(MAX_CALL_LIST) }), {
    error: "expected an access list",
  })
  .max(MAX_CALL_LIST);

const authorizationSchema = z
  .object({
    chainId: quantitySchema,
    address: addressSchema,
    nonce: quantitySchema,
    yParity: optionalNullable(quantitySchema),
    // viem sends v (27/28) when an authorization carries no yParity.
    v: optionalNullable(quantitySchema),
    r: quantitySchema,
    s: quantitySchema,
  })
  .transform((a, ctx): CallAuthorization => {
    const yParity = a.yParity ?? (a.v == null ? null : a.v >= 27n ? a.v - 27n : a.v);
    if (yParity === null) {
      ctx.addIssue({ code: "custom", message: "authorization has neither yParity nor v" });
      return z.NEVER;
    }
    return { chainId: a.chainId, address: a.address, nonce: a.nonce, yParity, r: a.r, s: a.s };
  });

const authorizationListSchema = z
  .array(authorizationSchema, { error: "expected an authorization list" })
  .max(MAX_CALL_LIST);

/** A transaction call object (eth_call, eth_estimateGas); unknown fields are ignored, as geth does. */
export const callObjectSchema = z
  .object(
    {
      from: optionalNullable(addressSchema),
      to: optionalNullable(addressSchema),
      gas: optionalNullable(quantitySchema),
      gasPrice: optionalNullable(quantitySchema),
      maxFeePerGas: optionalNullable(quantitySchema),
      maxPriorityFeePerGas: optionalNullable(quantitySchema),
      value: optionalNullable(quantitySchema),
      data: optionalNullable(dataSchema),
      input: optionalNullable(dataSchema),
      nonce: optionalNullable(quantitySchema),
      type: optionalNullable(quantitySchema),
      chainId: optionalNullable(quantitySchema),
      accessList: optionalNullable(accessListSchema),
      authorizationList: optionalNullable(authorizationListSchema),
    },
    { error: "expected a transaction call object" },
  )
  .transform((o, ctx): CallRequest => {
    if (o.data != null && o.input != null && o.data !== o.input) {
      ctx.addIssue({ code: "custom", message: "both data and input are set and differ" });
      return z.NEVER;
    }
    if (o.gasPrice != null && (o.maxFeePerGas != null || o.maxPriorityFeePerGas != null)) {
      ctx.addIssue({
        code: "custom",
        message: "gasPrice cannot be combined with maxFeePerGas/maxPriorityFeePerGas",
      });
      return z.NEVER;
    }
    return {
      from: o.from ?? null,
      to: o.to ?? null,
      value: o.value ?? 0n,
      data: o.input ?? o.data ?? "0x",
      gas: o.gas ?? null,
      gasPrice: o.gasPrice ?? null,
      maxFeePerGas: o.maxFeePerGas ?? null,
      maxPriorityFeePerGas: o.maxPriorityFeePerGas ?? null,
      ...(o.accessList == null ? {} : { accessList: o.accessList }),
      ...(o.authorizationList == null ? {} : { authorizationList: o.authorizationList }),
    };
  });

/** One topic position: null (any), a hash, or a list of alternatives (an empty list also means any). */
const topicSchema = z.union([z.null(), hashSchema, z.array(hashSchema.nullable()).max(64)], {
  error: "each topic must be null, a 32-byte hash or an array of them",
});

/** A topic filter: position i matches if it is null/empty or contains the log's topic i. */
export type TopicFilter = (Hex[] | null)[];

export interface LogFilterParams {
  /** Empty: any address. */
  addresses: Address[];
  topics: TopicFilter;
  fromBlock: NumberOrTagRef | null;
  toBlock: NumberOrTagRef | null;
  blockHash: Hex | null;
}

/** The eth_getLogs / logs-subscription filter (EIP-234 blockHash included). */
export const logFilterSchema = z
  .object(
    {
      fromBlock: optionalNullable(blockNumberOrTagSchema),
      toBlock: optionalNullable(blockNumberOrTagSchema),
      address: optionalNullable(z.union([addressSchema, z.array(addressSchema).max(1024)])),
      topics: optionalNullable(z.array(topicSchema).max(4, "at most 4 topic positions")),
      blockHash: optionalNullable(hashSchema),
    },
    { error: "expected a log filter object" },
  )
  .transform((o, ctx): LogFilterParams => {
    if (o.blockHash != null && (o.fromBlock != null || o.toBlock != null)) {
      ctx.addIssue({ code: "custom", message: "blockHash cannot be combined with fromBlock/toBlock" });
      return z.NEVER;
    }
    const address = o.address ?? [];
    return {
      addresses: Array.isArray(address) ? address : [address],
      topics: (o.topics ?? []).map((t) => {
        if (t === null) return null;
        if (typeof t === "string") return [t];
        // A null inside alternatives matches anything, so the whole position does.
        return t.length === 0 || t.some((x) => x === null) ? null : (t as Hex[]);
      }),
      fromBlock: o.fromBlock ?? null,
      toBlock: o.toBlock ?? null,
      blockHash: o.blockHash ?? null,
    };
  });
