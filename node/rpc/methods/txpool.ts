import { getAddress } from "ethers/address";
import type { Address } from "../../crypto/index.ts";
import type { PooledTx } from "../backend.ts";
import { decodeTx, type Json, txJson } from "../ethJson.ts";
import { quantity } from "../format.ts";
import { addressSchema } from "../schemas.ts";
import { defineMethod, inHeavySlot, type MethodContext, type RpcMethod } from "./define.ts";

/**
 * geth's txpool namespace over the mempool: "pending" is what a block could include now, "queued" what waits
 * behind a nonce gap of its sender. Content is keyed by sender (checksummed, as geth prints it), then by nonce
 * in decimal.
 */

type ByNonce = { [nonce: string]: Json };
type BySender = { [sender: string]: ByNonce };

/** geth's one-line summary of a pooled transaction; a 1559 transaction shows its fee cap as the price. */
function inspectLine(tx: PooledTx): Json {
  const decoded = decodeTx(tx.raw);
  const price = decoded.type === 2 ? (decoded.maxFeePerGas ?? 0n) : (decoded.gasPrice ?? 0n);
  const cost = `${decoded.value} wei + ${decoded.gasLimit} gas × ${price} wei`;
  return decoded.to === null ? `contract creation: ${cost}` : `${getAddress(decoded.to)}: ${cost}`;
}

function pendingTxJson(tx: PooledTx): Json {
  return txJson(decodeTx(tx.raw), tx.hash, tx.from, null);
}

/** Decoding a whole pool of transactions is real work: it runs in a heavy slot, yielding as it goes. */
async function grouped(
  ctx: MethodContext,
  show: (tx: PooledTx) => Json,
  sender: Address | null,
): Promise<{ pending: BySender; queued: BySender }> {
  return inHeavySlot(ctx, async () => {
    const out: { pending: BySender; queued: BySender } = { pending: {}, queued: {} };
    for (const tx of ctx.backend.txPoolContent()) {
      if (sender !== null && tx.from.toLowerCase() !== sender) continue;
      await ctx.work.checkpoint();
      const group = tx.executable ? out.pending : out.queued;
      const key = getAddress(tx.from);
      group[key] ??= {};
      (group[key] as ByNonce)[tx.nonce.toString()] = show(tx);
    }
    return out;
  });
}

export const txpoolMethods: RpcMethod[] = [
  defineMethod("txpool_status", [], (_, { backend }) => {
    const { pending, queued } = backend.txPoolCounts();
    return { pending: quantity(pending), queued: quantity(queued) };
  }),
  defineMethod("txpool_content", [], async (_, ctx) => grouped(ctx, pendingTxJson, null)),
  defineMethod("txpool_contentFrom", [addressSchema], async ([address], ctx) => {
    const { pending, queued } = await grouped(ctx, pendingTxJson, address);
    const key = getAddress(address);
    return { pending: pending[key] ?? {}, queued: queued[key] ?? {} };
  }),
  defineMethod("txpool_inspect", [], async (_, ctx) => grouped(ctx, inspectLine, null)),
];
