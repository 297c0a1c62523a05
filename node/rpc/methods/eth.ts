import { AbiCoder } from "ethers/abi";
import { concat } from "ethers/utils";
import { type Hex, hexToBytes, keccak256Hex } from "../../crypto/index.ts";
import { MAX_TX_BYTES } from "../../types/index.ts";
import type { BlockRecord, CallOutcome, TxLocation, TxRejection } from "../backend.ts";
import { requireLatestState } from "../blockRef.ts";
import { RpcError, RpcErrorCode } from "../errors.ts";
import { committedTxJson, decodeTx, type Json, receiptJson, txJson } from "../ethJson.ts";
import { suggestedTip } from "../feeOracle.ts";
import { quantity } from "../format.ts";
import {
  addressSchema,
  blockRefSchema,
  callObjectSchema,
  dataSchema,
  hashSchema,
  quantitySchema,
} from "../schemas.ts";
import { defineMethod, inHeavySlot, type MethodContext, type RpcMethod } from "./define.ts";

/** Messages start with geth's wording, which ethers and wallets match to classify the failure. */
const REJECTIONS: Record<TxRejection, { code: number; text: string }> = {
  "already-known": { code: RpcErrorCode.Server, text: "already known" },
  "nonce-too-low": { code: RpcErrorCode.Server, text: "nonce too low" },
  "nonce-too-high": { code: RpcErrorCode.Server, text: "nonce too high" },
  "replacement-underpriced": { code: RpcErrorCode.Server, text: "replacement transaction underpriced" },
  underpriced: { code: RpcErrorCode.Server, text: "transaction underpriced" },
  "insufficient-funds": { code: RpcErrorCode.Server, text: "insufficient funds for gas * price + value" },
  "sender-limit": { code: RpcErrorCode.Server, text: "account limit exceeded" },
  "pool-full": { code: RpcErrorCode.Server, text: "txpool is full" },
  // A provider's answer to a client over its limit: nothing is wrong with the transaction, retry later.
  busy: { code: RpcErrorCode.LimitExceeded, text: "txpool is busy" },
  // These can never succeed, whatever the state: EIP-1474's "transaction rejected".
  "too-large": { code: RpcErrorCode.TransactionRejected, text: "oversized data" },
  "intrinsic-gas": { code: RpcErrorCode.TransactionRejected, text: "intrinsic gas too low" },
  invalid: { code: RpcErrorCode.TransactionRejected, text: "invalid transaction" },
};

export function rejectionError(reason: TxRejection, detail: string): RpcError {
  const { code, text } = REJECTIONS[reason];
  const message = detail === "" || detail.startsWith(text) ? detail || text : `${text}: ${detail}`;
  return new RpcError(code, message);
}

const ERROR_STRING_SELECTOR = "0x08c379a0";
const REVERTED = "execution reverted";

/** A failed call as geth reports it: code 3 with the revert bytes, which ethers decodes into a CALL_EXCEPTION. */
function callFailure(outcome: Extract<CallOutcome, { ok: false }>): RpcError {
  if (outcome.kind === "invalid") return new RpcError(RpcErrorCode.Server, outcome.reason);
  const revertData =
    outcome.revertData ??
    (outcome.reason === ""
      ? "0x"
      : concat([ERROR_STRING_SELECTOR, AbiCoder.defaultAbiCoder().encode(["string"], [outcome.reason])]));
  // The app already words an EVM revert as geth does ("execution reverted: <reason>"): said once, not twice.
  const message =
    outcome.reason === "" || outcome.reason === REVERTED
      ? REVERTED
      : outcome.reason.startsWith(`${REVERTED}: `)
        ? outcome.reason
        : `${REVERTED}: ${outcome.reason}`;
  return new RpcError(RpcErrorCode.ExecutionReverted, message, revertData.toLowerCase());
}

/** The block a committed tx is in, checked against the index entry that pointed there. */
async function blockOf(
  location: Extract<TxLocation, { kind: "committed" }>,
  hash: Hex,
  ctx: MethodContext,
): Promise<BlockRecord | null> {
  const record = await ctx.backend.getBlockByHeight(location.height);
  if (record !== null && record.receipts[location.index]?.txHash !== hash) {
    throw new Error(`tx ${hash} is not at ${location.height}:${location.index} where the index points`);
  }
  return record;
}

async function getTransactionByHash(hash: Hex, ctx: MethodContext): Promise<Json> {
  const location = await ctx.backend.getTransaction(hash);
  if (location === null) return null;
  if (location.kind === "pending") return txJson(decodeTx(location.raw), hash, location.from, null);
  const record = await blockOf(location, hash, ctx);
  return record === null ? null : committedTxJson(record, location.index);
}

async function getTransactionReceipt(hash: Hex, ctx: MethodContext): Promise<Json> {
  const location = await ctx.backend.getTransaction(hash);
  if (location === null || location.kind === "pending") return null;
  const record = await blockOf(location, hash, ctx);
  return record === null ? null : receiptJson(record, location.index);
}

export const ethMethods: RpcMethod[] = [
  defineMethod("eth_chainId", [], (_, { backend }) => quantity(backend.chain.chainId)),
  defineMethod("eth_blockNumber", [], (_, { backend }) => quantity(backend.headHeight())),
  defineMethod("eth_syncing", [], async (_, { backend }) => {
    const status = await backend.status();
    if (!status.syncing) return false;
    const head = backend.headHeight();
    return {
      startingBlock: quantity(head),
      currentBlock: quantity(head),
      highestBlock: quantity(Math.max(head, status.highestKnownHeight ?? head)),
    };
  }),
  // The node holds no user keys.
  defineMethod("eth_accounts", [], () => []),
  // What a legacy transaction should pay: the next block's base fee and the tip a 1559 one is told to add.
  defineMethod("eth_gasPrice", [], async (_, { backend }) =>
    quantity(backend.nextBaseFee() + (await suggestedTip(backend))),
  ),
  defineMethod("eth_maxPriorityFeePerGas", [], async (_, { backend }) =>
    quantity(await suggestedTip(backend)),
  ),

  defineMethod("eth_getBalance", [addressSchema, blockRefSchema.optional()], async ([address, ref], ctx) => {
    await requireLatestState(ref, ctx.backend);
    return quantity((await ctx.backend.getAccount(address)).balance);
  }),
  defineMethod(
    "eth_getTransactionCount",
    [addressSchema, blockRefSchema.optional()],
    async ([address, ref], ctx) => {
      if (ref?.kind === "tag" && ref.tag === "pending")
        return quantity(await ctx.backend.pendingNonce(address));
      await requireLatestState(ref, ctx.backend);
      return quantity((await ctx.backend.getAccount(address)).nonce);
    },
  ),
  defineMethod("eth_getCode", [addressSchema, blockRefSchema.optional()], async ([address, ref], ctx) => {
    await requireLatestState(ref, ctx.backend);
    return (await ctx.backend.getCode(address)).toLowerCase();
  }),
  defineMethod(
    "eth_getStorageAt",
    [addressSchema, quantitySchema, blockRefSchema.optional()],
    async ([address, slot, ref], ctx) => {
      await requireLatestState(ref, ctx.backend);
      const key = `0x${slot.toString(16).padStart(64, "0")}` as const;
      return `0x${(await ctx.backend.getStorageAt(address, key)).toString(16).padStart(64, "0")}`;
    },
  ),
  defineMethod("eth_call", [callObjectSchema, blockRefSchema.optional()], async ([request, ref], ctx) => {
    await requireLatestState(ref, ctx.backend);
    const outcome = await inHeavySlot(ctx, () => ctx.backend.call(request, ctx.work));
    if (!outcome.ok) throw callFailure(outcome);
    return outcome.returnData.toLowerCase();
  }),
  defineMethod(
    "eth_estimateGas",
    [callObjectSchema, blockRefSchema.optional()],
    async ([request, ref], ctx) => {
      await requireLatestState(ref, ctx.backend);
      const outcome = await inHeavySlot(ctx, () => ctx.backend.estimateGas(request, ctx.work));
      if (!outcome.ok) throw callFailure(outcome);
      return quantity(outcome.gasUsed);
    },
  ),

  defineMethod("eth_sendRawTransaction", [dataSchema], async ([rawHex], ctx) => {
    const raw = hexToBytes(rawHex);
    if (raw.length === 0) throw new RpcError(RpcErrorCode.TransactionRejected, "empty transaction");
    if (raw.length > MAX_TX_BYTES) {
      throw new RpcError(
        RpcErrorCode.TransactionRejected,
        `oversized data: transaction of ${raw.length} bytes, the limit is ${MAX_TX_BYTES}`,
      );
    }
    const result = await ctx.backend.sendRawTransaction(raw);
    if (!result.ok) throw rejectionError(result.reason, result.message);
    if (result.hash !== keccak256Hex(raw))
      throw new Error(`backend returned hash ${result.hash} for a different tx`);
    return result.hash;
  }),
  defineMethod("eth_getTransactionByHash", [hashSchema], ([hash], ctx) => getTransactionByHash(hash, ctx)),
  defineMethod("eth_getTransactionReceipt", [hashSchema], ([hash], ctx) => getTransactionReceipt(hash, ctx)),
];
