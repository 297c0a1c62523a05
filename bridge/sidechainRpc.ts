import { z } from "zod";
import type { Address, Hex } from "../node/crypto/index.ts";
import type { Checkpoint, CommitSig, DepositClaim, Withdrawal } from "../node/types/index.ts";
import { errorMessage } from "../node/util/errors.ts";

/**
 * A typed client for a node's outrigger_* JSON-RPC methods (DESIGN.md §6). The bridge talks to the sidechain only
 * through this and ethers' eth_* provider, never by importing node internals, so it works against any node.
 * Every response is validated: a node that answers garbage gives a SidechainRpcError, not a wrong action.
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

const address = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/)
  .transform((s) => s.toLowerCase() as Address);
const hash = z
  .string()
  .regex(/^0x[0-9a-fA-F]{64}$/)
  .transform((s) => s.toLowerCase() as Hex);
const hexData = z
  .string()
  .regex(/^0x([0-9a-fA-F]{2})*$/)
  .transform((s) => s.toLowerCase() as Hex);
const decimal = z
  .string()
  .regex(/^(0|[1-9][0-9]*)$/)
  .transform(BigInt);
const count = z.number().int().nonnegative();

const tokenSchema = z.object({
  l1Token: address,
  l2Token: address,
  name: z.string(),
  symbol: z.string(),
  decimals: count,
  totalSupply: decimal,
});

const bridgeInfoSchema = z.object({
  l1ChainId: decimal,
  checkpointManager: address,
  bridge: address,
  deploymentBlock: count,
  confirmations: count,
  systemContracts: z.object({ bridge: address, staking: address }),
  nextDepositNonce: decimal,
  nextWithdrawalId: decimal,
  tokens: z.array(tokenSchema),
});

export type BridgeInfo = z.infer<typeof bridgeInfoSchema>;
export type BridgedToken = z.infer<typeof tokenSchema>;

const depositSchema = z.object({
  nonce: decimal,
  /** minted: executed in block `height`; pending: the node holds the claim and waits to include it. */
  status: z.enum(["minted", "pending"]),
  l1Token: address,
  l2Token: address,
  from: address,
  to: address,
  amount: decimal,
  l1TxHash: hash,
  height: count.nullable(),
});

export type DepositStatus = z.infer<typeof depositSchema>;

const submitSchema = z.object({ nonce: decimal, status: z.enum(["minted", "pending"]) });

const checkpointSchema = z.object({
  sidechainId: decimal,
  number: count,
  startHeight: count,
  endHeight: count,
  blocksRoot: hash,
  withdrawalsRoot: hash,
  nextValidatorSetHash: hash,
  signers: z.array(address),
  signatures: z.array(z.object({ validator: address, signature: hexData })),
  l1: z.object({ status: z.enum(["pending", "submitted", "confirmed"]), txHash: hash.nullable() }),
});

export interface CheckpointInfo {
  checkpoint: Checkpoint;
  signatures: CommitSig[];
  l1: { status: "pending" | "submitted" | "confirmed"; txHash: Hex | null };
}

function toCheckpointInfo(raw: z.infer<typeof checkpointSchema>): CheckpointInfo {
  const { l1, signatures, sidechainId, number, startHeight, endHeight } = raw;
  return {
    checkpoint: {
      sidechainId,
      number,
      startHeight,
      endHeight,
      blocksRoot: raw.blocksRoot,
      withdrawalsRoot: raw.withdrawalsRoot,
      nextValidatorSetHash: raw.nextValidatorSetHash,
    },
    signatures,
    l1,
  };
}

const validatorsSchema = z.object({
  height: count,
  epoch: count,
  totalPower: decimal,
  validators: z.array(z.object({ address, power: decimal })),
});

export type ValidatorsInfo = z.infer<typeof validatorsSchema>;

const proofSchema = z.object({
  checkpointNumber: count,
  withdrawal: z.object({ id: decimal, token: address, recipient: address, amount: decimal }),
  proof: z.array(hash),
  root: hash,
});

export interface WithdrawalProof {
  checkpointNumber: number;
  withdrawal: Withdrawal;
  proof: Hex[];
  root: Hex;
}

const statusSchema = z.object({
  chainId: decimal,
  height: count,
  hash: hash.nullable(),
  time: z.number().nullable(),
  epoch: count,
  epochLength: count,
  syncing: z.boolean(),
  peers: count,
  validator: address.nullable(),
});

export type NodeStatusInfo = z.infer<typeof statusSchema>;

const responseSchema = z.union([
  z.object({ jsonrpc: z.literal("2.0"), result: z.unknown() }),
  z.object({ jsonrpc: z.literal("2.0"), error: z.object({ code: z.number(), message: z.string() }) }),
]);

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
    return this.call("outrigger_status", [], statusSchema);
  }

  bridgeInfo(): Promise<BridgeInfo> {
    return this.call("outrigger_bridgeInfo", [], bridgeInfoSchema);
  }

  deposit(nonce: bigint): Promise<DepositStatus | null> {
    return this.call("outrigger_deposit", [nonce.toString()], depositSchema.nullable());
  }

  /** Idempotent: a claim the node already holds or has minted answers with its status, not an error. */
  submitDepositClaim(claim: DepositClaim): Promise<{ nonce: bigint; status: "minted" | "pending" }> {
    const json = {
      nonce: claim.nonce.toString(),
      token: claim.l1Token,
      from: claim.from,
      to: claim.to,
      amount: claim.amount.toString(),
      name: claim.name,
      symbol: claim.symbol,
      decimals: claim.decimals,
      l1TxHash: claim.l1TxHash,
    };
    return this.call("outrigger_submitDepositClaim", [json], submitSchema);
  }

  async checkpoint(number: number | "latest"): Promise<CheckpointInfo | null> {
    const raw = await this.call("outrigger_checkpoint", [number], checkpointSchema.nullable());
    return raw === null ? null : toCheckpointInfo(raw);
  }

  async checkpoints(from: number, count: number): Promise<CheckpointInfo[]> {
    const raw = await this.call("outrigger_checkpoints", [from, count], z.array(checkpointSchema));
    return raw.map(toCheckpointInfo);
  }

  /** The set that signs `height` (a checkpoint's signers are the set of its startHeight). */
  validators(height: number): Promise<ValidatorsInfo | null> {
    return this.call("outrigger_validators", [height], validatorsSchema.nullable());
  }

  /** Throws SidechainRpcError (code -32000) while the withdrawal is not in a certified checkpoint yet. */
  async withdrawalProof(id: bigint): Promise<WithdrawalProof> {
    const raw = await this.call("outrigger_withdrawalProof", [id.toString()], proofSchema);
    const { withdrawal } = raw;
    return {
      checkpointNumber: raw.checkpointNumber,
      withdrawal: {
        id: withdrawal.id,
        l1Token: withdrawal.token,
        l1Recipient: withdrawal.recipient,
        amount: withdrawal.amount,
      },
      proof: raw.proof,
      root: raw.root,
    };
  }

  private async call<T extends z.ZodType>(
    method: string,
    params: unknown[],
    schema: T,
  ): Promise<z.output<T>> {
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
    const result = schema.safeParse(envelope.data.result);
    if (!result.success) {
      throw new SidechainRpcError(
        `${method}: unexpected result: ${result.error.issues[0]?.message ?? "invalid"}`,
      );
    }
    return result.data;
  }
}
