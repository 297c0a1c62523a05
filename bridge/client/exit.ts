import { Contract, type Signer } from "ethers";
import type { Address, Hex } from "../../node/crypto/index.ts";
import type { WithdrawalProof } from "../../node/types/rpc/index.ts";
import { SidechainRpcError } from "../sidechainRpc.ts";
import { l1BridgeInterface } from "./abi.ts";
import type { BridgeContext } from "./context.ts";
import {
  AlreadyExitedError,
  CheckpointNotOnL1Error,
  InconsistentStateError,
  NotCheckpointedError,
  NotFoundError,
  TransactionFailedError,
} from "./errors.ts";
import { sendAndWait } from "./transactions.ts";

export interface ExitResult {
  l1TxHash: Hex;
  l1Block: number;
  id: bigint;
  checkpointNumber: number;
  token: Address;
  recipient: Address;
  amount: bigint;
  /** False when the exit went over the Bridge's limits and waits in the queue until releaseAt. */
  paid: boolean;
  releaseAt: bigint | null;
}

async function fetchProof(ctx: BridgeContext, id: bigint): Promise<WithdrawalProof> {
  if (id >= ctx.info.nextWithdrawalId) await ctx.refreshInfo();
  if (id >= ctx.info.nextWithdrawalId) {
    throw new NotFoundError(
      `no withdrawal with id ${id} on the sidechain (the next id is ${ctx.info.nextWithdrawalId})`,
    );
  }
  try {
    return await ctx.rpc.withdrawalProof(id);
  } catch (err) {
    if (err instanceof SidechainRpcError && err.code === -32000) {
      const reason = err.message.replace(/^outrigger_withdrawalProof: /, "");
      throw new NotCheckpointedError(`withdrawal ${id} cannot exit yet: ${reason}`);
    }
    throw err;
  }
}

/**
 * Proves a withdrawal to the L1 Bridge. Every precondition is checked first so that a withdrawal that cannot
 * exit gets a precise reason and no transaction is sent (nor gas spent).
 */
export async function exitWithdrawal(ctx: BridgeContext, signer: Signer, id: bigint): Promise<ExitResult> {
  const readBridge = ctx.l1Bridge;
  if ((await readBridge.getFunction("exited")(id)) as boolean) {
    const queued = (await readBridge.getFunction("queuedExits")(id)) as { releaseAt: bigint };
    throw new AlreadyExitedError(id, queued.releaseAt === 0n ? null : queued.releaseAt);
  }
  const proof = await fetchProof(ctx, id);
  const number = proof.checkpointNumber;
  const l1Last = Number((await ctx.checkpointManager.getFunction("lastCheckpointNumber")()) as bigint);
  if (l1Last < number) throw new CheckpointNotOnL1Error(number, l1Last);
  const record = (await ctx.checkpointManager.getFunction("getCheckpoint")(number)) as {
    withdrawalsRoot: string;
  };
  if (record.withdrawalsRoot.toLowerCase() !== proof.root) {
    throw new InconsistentStateError(
      `checkpoint ${number}: the node's withdrawals root ${proof.root} differs from L1's ${record.withdrawalsRoot}`,
    );
  }
  const w = proof.withdrawal;
  const bridge = new Contract(ctx.info.bridge, l1BridgeInterface, signer);
  const receipt = await sendAndWait("exit", () =>
    bridge.getFunction("exit")(
      number,
      { id: w.id, token: w.l1Token, recipient: w.l1Recipient, amount: w.amount },
      proof.proof,
    ),
  );
  let outcome: { paid: boolean; releaseAt: bigint | null } | null = null;
  for (const log of receipt.logs) {
    if (log.address.toLowerCase() !== ctx.info.bridge) continue;
    const parsed = l1BridgeInterface.parseLog(log);
    if (parsed?.name === "Exited" && parsed.args.getValue("id") === id)
      outcome = { paid: true, releaseAt: null };
    if (parsed?.name === "ExitQueued" && parsed.args.getValue("id") === id) {
      outcome = { paid: false, releaseAt: parsed.args.getValue("releaseAt") as bigint };
    }
  }
  if (outcome === null) {
    throw new TransactionFailedError(
      `exit tx ${receipt.hash} succeeded but emitted neither Exited nor ExitQueued`,
    );
  }
  return {
    l1TxHash: receipt.hash.toLowerCase() as Hex,
    l1Block: receipt.blockNumber,
    id,
    checkpointNumber: number,
    token: w.l1Token,
    recipient: w.l1Recipient,
    amount: w.amount,
    ...outcome,
  };
}
