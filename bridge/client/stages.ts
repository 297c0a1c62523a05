import type { Address, Hex } from "../../node/crypto/index.ts";
import type { DepositView } from "../../node/types/rpc/index.ts";
import type { TokenInfo } from "./tokens.ts";

/**
 * Where a deposit or withdrawal stands, computed from facts fetched from both chains (facts.ts). Pure, so every
 * combination of facts is unit-tested and `status` and `--wait` can never disagree about a stage.
 */

export type StageState = "done" | "current" | "todo";

export interface Stage {
  key: string;
  label: string;
  state: StageState;
  /** Facts and waiting reasons; a change here (or of state) is worth a progress line. */
  detail: string | null;
  /** Volatile progress such as block counts, shown only where a line can be rewritten in place. */
  note: string | null;
}

export interface DepositFacts {
  nonce: bigint;
  l1TxHash: Hex;
  l1Block: number;
  token: TokenInfo;
  from: Address;
  to: Address;
  amount: bigint;
  l1Head: number;
  /** Highest L1 block the validators accept deposits from: `finalized` when confirmations is 0, else head - confirmations. */
  l1ConfirmedBlock: number;
  confirmations: number;
  /** The sidechain's view (outrigger_deposit); null while no node holds the claim. */
  sidechain: Pick<DepositView, "status" | "height"> | null;
}

export type DepositPhase = "confirming" | "minting" | "minted";

export interface DepositProgress {
  kind: "deposit";
  phase: DepositPhase;
  done: boolean;
  stages: Stage[];
  nonce: bigint;
  l1TxHash: Hex;
  l1Block: number;
  token: TokenInfo;
  from: Address;
  to: Address;
  amount: bigint;
  /** Sidechain height of the mint. */
  height: number | null;
}

export interface WithdrawalFacts {
  id: bigint;
  l2TxHash: Hex;
  height: number;
  token: TokenInfo;
  from: Address;
  recipient: Address;
  amount: bigint;
  sidechainHead: number;
  epochLength: number;
  /** The checkpoint from the withdrawal proof: non-null once that checkpoint is certified. */
  certifiedCheckpoint: number | null;
  /** The node's record of the checkpoint's L1 submission; null while the checkpoint is not certified. */
  checkpointL1: { status: "pending" | "submitted" | "confirmed"; txHash: Hex | null } | null;
  /** CheckpointManager.lastCheckpointNumber(): what L1 itself has accepted. */
  l1LastCheckpoint: number;
  exit: {
    exited: boolean;
    /** Unix seconds of a queued exit's release; null when not queued (never exited, or paid). */
    releaseAt: bigint | null;
    /** The L1 transaction that paid it (Exited) or, while queued or once cancelled, that queued it (ExitQueued). */
    txHash: Hex | null;
    /** Queued, and frozen by the L1 Bridge's guardian: nobody can release it until the admin decides. */
    frozen?: boolean;
    /** Queued, then cancelled by the L1 Bridge's admin: its funds stay locked. */
    cancelled?: boolean;
  };
  /** Timestamp of the latest L1 block: queued exits are released by L1 time, not by this machine's clock. */
  l1Time: bigint;
}

export type WithdrawalPhase =
  | "checkpointing"
  | "submitting"
  | "exitable"
  | "queued"
  | "frozen"
  | "cancelled"
  | "exited";

export interface WithdrawalProgress {
  kind: "withdrawal";
  phase: WithdrawalPhase;
  done: boolean;
  stages: Stage[];
  id: bigint;
  l2TxHash: Hex;
  height: number;
  token: TokenInfo;
  from: Address;
  recipient: Address;
  amount: bigint;
  checkpointNumber: number;
  checkpointCertified: boolean;
  checkpointL1TxHash: Hex | null;
  exitTxHash: Hex | null;
  releaseAt: bigint | null;
}

export type BridgeProgress = DepositProgress | WithdrawalProgress;

function stage(
  key: string,
  label: string,
  state: StageState,
  detail: string | null = null,
  note: string | null = null,
): Stage {
  return { key, label, state, detail, note };
}

export function depositProgress(f: DepositFacts): DepositProgress {
  const minted = f.sidechain?.status === "minted";
  // A mint proves the validators saw enough confirmations, whatever this client's L1 node says.
  const confirmed = minted || f.l1Block <= f.l1ConfirmedBlock;
  const confirmationsSoFar = Math.max(0, f.l1Head - f.l1Block);
  const requirement = f.confirmations === 0 ? "L1 finality" : `${f.confirmations} confirmations`;

  const stages: Stage[] = [
    stage("deposited", "deposited on L1", "done", `block ${f.l1Block}, tx ${f.l1TxHash}`),
    confirmed
      ? stage("confirmed", "confirmed on L1", "done", f.confirmations === 0 ? "finalized" : requirement)
      : stage(
          "confirmed",
          "confirmed on L1",
          "current",
          `waiting for ${requirement}`,
          f.confirmations > 0
            ? `${Math.min(confirmationsSoFar, f.confirmations)}/${f.confirmations}`
            : f.l1ConfirmedBlock < 0
              ? "L1 reports no finalized block yet"
              : `L1 finalized up to block ${f.l1ConfirmedBlock}`,
        ),
    minted
      ? stage("minted", "minted on the sidechain", "done", `height ${f.sidechain?.height ?? "?"}`)
      : stage(
          "minted",
          "minted on the sidechain",
          confirmed ? "current" : "todo",
          f.sidechain?.status === "pending"
            ? "claim received, waiting for a block"
            : confirmed
              ? "waiting for the relayer's claim"
              : null,
        ),
  ];
  const phase: DepositPhase = minted ? "minted" : confirmed ? "minting" : "confirming";
  return {
    kind: "deposit",
    phase,
    done: minted,
    stages,
    nonce: f.nonce,
    l1TxHash: f.l1TxHash,
    l1Block: f.l1Block,
    token: f.token,
    from: f.from,
    to: f.to,
    amount: f.amount,
    height: minted ? (f.sidechain?.height ?? null) : null,
  };
}

function isoTime(unixSeconds: bigint): string {
  return new Date(Number(unixSeconds) * 1000).toISOString();
}

/** Checkpoint n covers epoch n, heights [(n-1)L+1, nL]: the node's rule (node/checkpoint/builder.ts). */
export function checkpointNumberOfHeight(height: number, epochLength: number): number {
  return Math.ceil(Math.max(height, 1) / epochLength);
}

export function withdrawalProgress(f: WithdrawalFacts): WithdrawalProgress {
  const number = f.certifiedCheckpoint ?? checkpointNumberOfHeight(f.height, f.epochLength);
  const epochEnd = number * f.epochLength;
  const exited = f.exit.exited;
  const queued = exited && f.exit.releaseAt !== null;
  const frozen = queued && f.exit.frozen === true;
  const cancelled = exited && !queued && f.exit.cancelled === true;
  const paid = exited && !queued && !cancelled;
  // An exit proves L1 had the checkpoint, and L1 having it proves it was certified: later facts win.
  const onL1 = exited || f.l1LastCheckpoint >= number;
  const certified = onL1 || f.certifiedCheckpoint !== null;
  const l1TxHash = f.checkpointL1?.txHash ?? null;

  const withdrawn = stage(
    "withdrawn",
    "withdrawn on the sidechain",
    "done",
    `height ${f.height}, tx ${f.l2TxHash}`,
  );

  const checkpointLabel = `in checkpoint ${number}`;
  const checkpointed = certified
    ? stage("checkpointed", checkpointLabel, "done", "certified by the validators")
    : f.sidechainHead < epochEnd
      ? stage(
          "checkpointed",
          checkpointLabel,
          "current",
          `waiting for the epoch to end at height ${epochEnd}`,
          `sidechain at height ${f.sidechainHead}`,
        )
      : stage("checkpointed", checkpointLabel, "current", "waiting for the validators' signatures");

  const l1Label = `checkpoint ${number} on L1`;
  let onL1Stage: Stage;
  if (onL1) {
    onL1Stage = stage("onL1", l1Label, "done", l1TxHash === null ? "accepted" : `tx ${l1TxHash}`);
  } else if (!certified) {
    onL1Stage = stage("onL1", l1Label, "todo");
  } else if (f.checkpointL1?.status === "pending" || l1TxHash === null) {
    onL1Stage = stage(
      "onL1",
      l1Label,
      "current",
      "waiting for the relayer to submit it",
      `L1 is at checkpoint ${f.l1LastCheckpoint}`,
    );
  } else {
    onL1Stage = stage("onL1", l1Label, "current", `submitted in tx ${l1TxHash}, waiting for L1 to accept it`);
  }

  let exitStage: Stage;
  if (paid) {
    exitStage = stage(
      "exited",
      "exited on L1",
      "done",
      `paid to ${f.recipient}${f.exit.txHash === null ? "" : `, tx ${f.exit.txHash}`}`,
    );
  } else if (cancelled) {
    exitStage = stage(
      "exited",
      "exited on L1",
      "current",
      "queued, then cancelled by the L1 Bridge's admin: the funds stay locked until the sidechain issues a new withdrawal",
    );
  } else if (frozen) {
    exitStage = stage(
      "exited",
      "exited on L1",
      "current",
      "queued and frozen by the L1 Bridge's guardian: nobody can release it until the admin unfreezes or cancels it",
    );
  } else if (queued) {
    const releaseAt = f.exit.releaseAt ?? 0n;
    exitStage = stage(
      "exited",
      "exited on L1",
      "current",
      f.l1Time >= releaseAt
        ? `queued by the exit limits; releasable since ${isoTime(releaseAt)} (anyone can call releaseQueuedExit)`
        : `queued by the exit limits until ${isoTime(releaseAt)}`,
    );
  } else if (onL1) {
    exitStage = stage("exited", "exited on L1", "current", "ready to exit");
  } else {
    exitStage = stage("exited", "exited on L1", "todo");
  }

  const phase: WithdrawalPhase = paid
    ? "exited"
    : cancelled
      ? "cancelled"
      : frozen
        ? "frozen"
        : queued
          ? "queued"
          : onL1
            ? "exitable"
            : certified
              ? "submitting"
              : "checkpointing";
  return {
    kind: "withdrawal",
    phase,
    done: paid,
    stages: [withdrawn, checkpointed, onL1Stage, exitStage],
    id: f.id,
    l2TxHash: f.l2TxHash,
    height: f.height,
    token: f.token,
    from: f.from,
    recipient: f.recipient,
    amount: f.amount,
    checkpointNumber: number,
    checkpointCertified: certified,
    checkpointL1TxHash: l1TxHash,
    exitTxHash: f.exit.txHash,
    releaseAt: queued ? f.exit.releaseAt : null,
  };
}
