import type { EngineEvent } from "../consensus/messages.ts";
import { Step, type TimeoutStep } from "../consensus/messages.ts";
import {
  decodeRlpStrict,
  encodeRlpItem,
  RlpError,
  rlpList,
  rlpSafeInt,
  uintToBytes,
} from "../crypto/index.ts";
import { type Wal, WalKind } from "../storage/index.ts";
import { type Block, decodeVote, encodeVote } from "../types/index.ts";
import { decodeProposalMessage, encodeProposalMessage } from "../types/wireMessages.ts";
import { errorMessage } from "../util/errors.ts";
import type { ServiceLogger } from "../util/logger.ts";

const STEPS: TimeoutStep[] = [Step.Propose, Step.Prevote, Step.Precommit];

/** A fired timeout in the WAL: RLP [height, round, step index]. */
export function encodeTimeout(t: { height: number; round: number; step: TimeoutStep }): Uint8Array {
  return encodeRlpItem([uintToBytes(t.height), uintToBytes(t.round), uintToBytes(STEPS.indexOf(t.step))]);
}

export function decodeTimeout(bytes: Uint8Array): { height: number; round: number; step: TimeoutStep } {
  const [h, r, s] = rlpList(decodeRlpStrict(bytes), 3, "timeout");
  const step = STEPS[rlpSafeInt(s, "timeout step")];
  if (step === undefined) throw new RlpError("timeout: unknown step");
  return { height: rlpSafeInt(h, "timeout height"), round: rlpSafeInt(r, "timeout round"), step };
}

/** Records the engine input a restart needs to resume the height; other events are rebuilt from the chain. */
export async function recordWal(wal: Pick<Wal, "append">, event: EngineEvent<Block>): Promise<void> {
  switch (event.kind) {
    case "vote":
      await wal.append(event.vote.height, { kind: WalKind.Vote, data: encodeVote(event.vote) });
      return;
    case "proposal":
      await wal.append(event.proposal.height, {
        kind: WalKind.Proposal,
        data: encodeProposalMessage(event.proposal, event.block),
      });
      return;
    case "timeout":
      await wal.append(event.height, { kind: WalKind.Timeout, data: encodeTimeout(event) });
      return;
    default:
      return;
  }
}

/** The recorded events of `height`, in order; an unreadable entry is skipped so one torn write cannot halt us. */
export async function replayWal(
  wal: Pick<Wal, "replay">,
  height: number,
  logger: ServiceLogger,
): Promise<EngineEvent<Block>[]> {
  const events: EngineEvent<Block>[] = [];
  for (const record of await wal.replay(height)) {
    try {
      if (record.kind === WalKind.Vote || record.kind === WalKind.OwnVote)
        events.push({ kind: "vote", vote: decodeVote(record.data) });
      else if (record.kind === WalKind.Proposal || record.kind === WalKind.OwnProposal)
        events.push({ kind: "proposal", ...decodeProposalMessage(record.data) });
      else if (record.kind === WalKind.Timeout)
        events.push({ kind: "timeout", ...decodeTimeout(record.data) });
    } catch (err) {
      logger.warn({ seq: record.seq, err: errorMessage(err) }, "skipping unreadable WAL entry");
    }
  }
  if (events.length > 0) logger.info({ height, events: events.length }, "resuming height from the WAL");
  return events;
}
