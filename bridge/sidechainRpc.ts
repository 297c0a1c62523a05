import { z } from "zod";
import {
  type BridgeInfo,
  type CheckpointInfo,
  type DepositView,
  depositClaimParamSchema,
  type NodeStatusInfo,
  type OutriggerMethod,
  type OutriggerResult,
  outriggerResultSchema,
  type SubmittedClaim,
  type ValidatorsInfo,
  type WithdrawalProof,
} from "../node/types/rpc/index.ts";
import type { Commit, DepositClaim } from "../node/types/shapes.ts";
import { errorMessage } from "../node/util/errors.ts";

/**
 * A typed client for a node's outrigger_* JSON-RPC methods (DESIGN.md §6). The bridge talks to the sidechain only
 * through this and ethers' eth_* provider, never by importing node internals, so it works against any node.
 * Every response is decoded with the schema the server encodes it with (node/types/rpc): a node that answers
 * garbage gives a SidechainRpcError, not a wrong action.
 */

export class SidechainRpcError extends Error {
  override readonly name = "SidechainRpcError";
  constructor(
    message: string,
    /** The JSON-RPC error code, or null when the call failed before the node answered. */
    readonly code: number | null = null,
  ) {
    super(message);
  }
}

const responseSchema = z.union([
  z.object({ jsonrpc: z.literal("2.0"), result: z.unknown() }),
  z.object({ jsonrpc: z.literal("2.0"), error: z.object({ code: z.number(), message: z.string() }) }),
]);

/**
 * What is wrong with a result, each problem prefixed by where it is, e.g. "withdrawal.amount: missing (expected
 * a decimal string)", so an operator sees at once which field a node got wrong. Needs issues with their input.
 */
function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const what =
        "input" in issue && issue.input === undefined ? `missing (${issue.message})` : issue.message;
      return issue.path.length > 0 ? `${issue.path.join(".")}: ${what}` : what;
    })
    .join("; ");
}

export interface SidechainRpcOptions {
  /** Per-call deadline; a node that hangs must not stall a relayer loop forever. */
  timeoutMs?: number;
}

export class SidechainRpc {
  private nextId = 1;
  private readonly timeoutMs: number;

  constructor(
    readonly url: string,
    opts: SidechainRpcOptions = {},
  ) {
    this.timeoutMs = opts.timeoutMs ?? 10_000;
  }

  status(): Promise<NodeStatusInfo> {
    return this.call("outrigger_status", []);
  }

  bridgeInfo(): Promise<BridgeInfo> {
    return this.call("outrigger_bridgeInfo", []);
  }

  deposit(nonce: bigint): Promise<DepositView | null> {
    return this.call("outrigger_deposit", [nonce.toString()]);
  }

  /** Idempotent: a claim the node already holds or has minted answers with its status, not an error. */
  submitDepositClaim(claim: DepositClaim): Promise<SubmittedClaim> {
    // The node checks the claim's limits and answers -32602 for one it refuses, as for any other client.
    return this.call("outrigger_submitDepositClaim", [z.encode(depositClaimParamSchema, claim)]);
  }

  checkpoint(number: number | "latest"): Promise<CheckpointInfo | null> {
    return this.call("outrigger_checkpoint", [number]);
  }

  checkpoints(from: number, count: number): Promise<CheckpointInfo[]> {
    return this.call("outrigger_checkpoints", [from, count]);
  }

  /** The set that signs `height` (a checkpoint's signers are the set of its startHeight). */
  validators(height: number): Promise<ValidatorsInfo | null> {
    return this.call("outrigger_validators", [height]);
  }

  /** The set that signs the next block: the validators now in charge. */
  currentValidators(): Promise<ValidatorsInfo | null> {
    return this.call("outrigger_validators", []);
  }

  /** The precommits that committed `height`; null above the head. */
  commit(height: number | "latest"): Promise<Commit | null> {
    return this.call("outrigger_commit", [height]);
  }

  /** Throws SidechainRpcError (code -32000) while the withdrawal is not in a certified checkpoint yet. */
  withdrawalProof(id: bigint): Promise<WithdrawalProof> {
    return this.call("outrigger_withdrawalProof", [id.toString()]);
  }

  private async call<M extends OutriggerMethod>(method: M, params: unknown[]): Promise<OutriggerResult<M>> {
    const id = this.nextId++;
    let body: unknown;
    try {
      const response = await fetch(this.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id, method, params }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      body = await response.json();
    } catch (err) {
      throw new SidechainRpcError(`${method} at ${this.url}: ${errorMessage(err)}`);
    }
    const envelope = responseSchema.safeParse(body);
    if (!envelope.success) throw new SidechainRpcError(`${method}: the node sent a malformed response`);
    if ("error" in envelope.data) {
      const { code, message } = envelope.data.error;
      throw new SidechainRpcError(`${method}: ${message}`, code);
    }
    const result = outriggerResultSchema(method).safeParse(envelope.data.result, { reportInput: true });
    if (!result.success) {
      throw new SidechainRpcError(`${method}: unexpected result: ${describeIssues(result.error)}`);
    }
    return result.data;
  }
}
