import { toBeHex } from "ethers";
import type { Hex } from "../../node/crypto/index.ts";
import type { WithdrawalProof } from "../../node/types/rpc/index.ts";
import { type SidechainRpc, SidechainRpcError } from "../sidechainRpc.ts";
import { l1BridgeInterface } from "./abi.ts";
import type { BridgeContext } from "./context.ts";
import type { LocatedDeposit, LocatedWithdrawal } from "./locate.ts";
import { findLatestLog } from "./logs.ts";
import { checkpointNumberOfHeight, type DepositFacts, type WithdrawalFacts } from "./stages.ts";
import { describeL1Token } from "./tokens.ts";

/** Reads, from both chains, everything the pure stage computation (stages.ts) needs. */

/** The RPC's "not checkpointed yet" answer (code -32000) as null; anything else is a real failure. */
export async function proofOrNull(rpc: SidechainRpc, id: bigint): Promise<WithdrawalProof | null> {
  try {
    return await rpc.withdrawalProof(id);
  } catch (err) {
    if (err instanceof SidechainRpcError && err.code === -32000) return null;
    throw err;
  }
}

/** The block the validators accept deposits up to; mirrors the node's L1 reader. -1 when L1 has no finalized block. */
async function confirmedL1Block(ctx: BridgeContext, head: number): Promise<number> {
  if (ctx.info.confirmations > 0) return head - ctx.info.confirmations;
  const finalized = await ctx.l1.getBlock("finalized");
  return finalized?.number ?? -1;
}

export async function fetchDepositFacts(ctx: BridgeContext, d: LocatedDeposit): Promise<DepositFacts> {
  const [l1Head, sidechain] = await Promise.all([ctx.l1.getBlockNumber(), ctx.rpc.deposit(d.nonce)]);
  const known = () => ctx.info.tokens.find((t) => t.l1Token === d.l1Token);
  // A token's first mint creates it on the sidechain after connect; re-read the map once to show its address.
  if (known() === undefined && sidechain?.status === "minted") await ctx.refreshInfo();
  const l2Token = known()?.l2Token ?? null;
  return {
    nonce: d.nonce,
    l1TxHash: d.l1TxHash,
    l1Block: d.l1Block,
    token: { l1Token: d.l1Token, l2Token, symbol: d.symbol, decimals: d.decimals },
    from: d.from,
    to: d.to,
    amount: d.amount,
    l1Head,
    l1ConfirmedBlock: await confirmedL1Block(ctx, l1Head),
    confirmations: ctx.info.confirmations,
    sidechain: sidechain === null ? null : { status: sidechain.status, height: sidechain.height },
  };
}

async function exitTxHash(ctx: BridgeContext, id: bigint, queued: boolean): Promise<Hex | null> {
  const event = l1BridgeInterface.getEvent(queued ? "ExitQueued" : "Exited");
  if (event === null) return null;
  const log = await findLatestLog(
    ctx.l1,
    { address: ctx.info.bridge, topics: [event.topicHash, toBeHex(id, 32)] },
    ctx.info.deploymentBlock,
    await ctx.l1.getBlockNumber(),
  );
  return log === null ? null : (log.transactionHash.toLowerCase() as Hex);
}

export async function fetchWithdrawalFacts(
  ctx: BridgeContext,
  w: LocatedWithdrawal,
  proof: WithdrawalProof | null,
): Promise<WithdrawalFacts> {
  const { l1Bridge, checkpointManager } = ctx;
  const [status, l1LastCheckpoint, exited, queued, frozen, cancelled, l1Block] = await Promise.all([
    ctx.rpc.status(),
    checkpointManager.getFunction("lastCheckpointNumber")() as Promise<bigint>,
    l1Bridge.getFunction("exited")(w.id) as Promise<boolean>,
    l1Bridge.getFunction("queuedExits")(w.id) as Promise<{ releaseAt: bigint }>,
    l1Bridge.getFunction("frozenExits")(w.id) as Promise<boolean>,
    l1Bridge.getFunction("cancelledExits")(w.id) as Promise<boolean>,
    ctx.l1.getBlock("latest"),
  ]);
  const number = proof?.checkpointNumber ?? checkpointNumberOfHeight(w.height, status.epochLength);
  const checkpoint = proof === null ? null : await ctx.rpc.checkpoint(number);
  const releaseAt = exited && queued.releaseAt !== 0n ? queued.releaseAt : null;
  return {
    id: w.id,
    l2TxHash: w.l2TxHash,
    height: w.height,
    token: describeL1Token(w.l1Token, ctx.info.tokens),
    from: w.from,
    recipient: w.recipient,
    amount: w.amount,
    sidechainHead: status.height,
    epochLength: status.epochLength,
    certifiedCheckpoint: proof?.checkpointNumber ?? null,
    checkpointL1: checkpoint?.l1 ?? null,
    l1LastCheckpoint: Number(l1LastCheckpoint),
    exit: {
      exited,
      releaseAt,
      txHash: exited ? await exitTxHash(ctx, w.id, releaseAt !== null || cancelled) : null,
      frozen,
      cancelled,
    },
    l1Time: BigInt(l1Block?.timestamp ?? 0),
  };
}
