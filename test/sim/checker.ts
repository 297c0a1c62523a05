import type { MessageVerifier } from "../../node/consensus/messages.ts";
import { type Address, type Hex, VoteType } from "../../node/crypto/index.ts";
import type { DuplicateVoteEvidence, Vote } from "../../node/types/shapes.ts";
import { blockDefect, blockHash, GENESIS_PARENT, type SimBlock } from "./block.ts";
import { offenceKey, shapeProblem } from "./evidence.ts";
import type { CommitRecord } from "./observer.ts";
import type { Observations } from "./recorder.ts";

export type ViolationKind =
  /** Two honest nodes committed different blocks at one height. */
  | "agreement"
  /** An honest node committed a block that was never proposed or that its application rejects. */
  | "validity"
  /** A commit whose precommits do not carry more than 2/3 of the power for that block. */
  | "certificate"
  /** An honest validator signed two different votes or proposals for one (height, round, step). */
  | "doubleSign"
  /** An honest node reported evidence that is malformed or accuses an honest validator. */
  | "falseEvidence"
  /** A double sign honest nodes saw was not in a committed block within the evidence age. */
  | "evidenceMissing"
  /** A committed block carries evidence against an honest validator: it would be slashed. */
  | "slashedHonest"
  /** An honest node had not reached the target height by the deadline. */
  | "progress"
  /** The driver reported an error: the engine threw, or a port failed. */
  | "crash"
  /** The engine asked for something its contract rules out (e.g. two commits for one height). */
  | "engineContract";

export interface Violation {
  kind: ViolationKind;
  node?: string;
  height?: number;
  detail: string;
}

export interface CheckInput {
  chainId: bigint;
  verifier: MessageVerifier;
  /** Voting power by address; it is constant over a scenario (no epoch changes in the simulation). */
  power: ReadonlyMap<Address, bigint>;
  honestAddresses: ReadonlySet<Address>;
  targetHeight: number;
  /** Committed height per honest node label at the end of the run. */
  finalHeights: ReadonlyMap<string, number>;
  deadlineMs: number;
  /** Whether the run stopped before every honest node reached the target (so progress failed). */
  reachedTarget: boolean;
  /** Heights after its offence within which a double sign must be in a committed block. */
  evidenceAge: number;
}

/** A byzantine validator's two conflicting votes for one (height, round, type), both heard by one honest engine. */
export interface DoubleSign {
  readonly validator: Address;
  readonly height: number;
  readonly round: number;
  readonly type: VoteType;
  /** The honest replica that heard both, first. */
  readonly seenBy: string;
  readonly timeMs: number;
}

export function check(input: CheckInput, obs: Observations): Violation[] {
  const violations: Violation[] = [];
  const honestCommits = obs.commits.filter((c) => c.by.honest);
  checkAgreement(honestCommits, violations);
  checkValidity(input, obs, honestCommits, violations);
  checkSigning(obs, violations);
  checkEvidence(input, obs, violations);
  checkPunishment(input, obs, honestCommits, violations);
  if (!input.reachedTarget) {
    for (const [node, height] of input.finalHeights) {
      if (height < input.targetHeight) {
        violations.push({
          kind: "progress",
          node,
          height,
          detail: `at height ${height} < target ${input.targetHeight} by the deadline ${input.deadlineMs} ms`,
        });
      }
    }
  }
  for (const c of obs.crashes) violations.push({ kind: "crash", node: c.by.label, detail: c.what });
  for (const a of obs.anomalies) {
    if (a.by.honest) violations.push({ kind: "engineContract", node: a.by.label, detail: a.what });
  }
  return violations;
}

function checkAgreement(commits: readonly CommitRecord[], out: Violation[]): void {
  const first = new Map<number, CommitRecord>();
  const reported = new Set<number>();
  for (const c of commits) {
    const earlier = first.get(c.height);
    if (earlier === undefined) first.set(c.height, c);
    else if (earlier.blockHash !== c.blockHash && !reported.has(c.height)) {
      reported.add(c.height);
      out.push({
        kind: "agreement",
        height: c.height,
        node: c.by.label,
        detail: `${earlier.by.label} committed ${earlier.blockHash} but ${c.by.label} committed ${c.blockHash}`,
      });
    }
  }
}

function checkValidity(
  input: CheckInput,
  obs: Observations,
  commits: readonly CommitRecord[],
  out: Violation[],
) {
  const byNode = new Map<string, Map<number, Hex>>();
  for (const c of commits) {
    const chain = byNode.get(c.by.label) ?? new Map<number, Hex>();
    byNode.set(c.by.label, chain);
    if (!chain.has(c.height)) chain.set(c.height, c.blockHash);
  }
  for (const c of commits) {
    const bad = (kind: ViolationKind, detail: string): void => {
      out.push({ kind, node: c.by.label, height: c.height, detail });
    };
    if (blockHash(c.block) !== c.blockHash)
      bad("validity", "the committed block does not hash to its blockHash");
    if (!obs.proposedBlocks.has(c.blockHash)) bad("validity", `block ${c.blockHash} was never proposed`);
    const parent = c.height === 1 ? GENESIS_PARENT : byNode.get(c.by.label)?.get(c.height - 1);
    if (parent === undefined) bad("validity", "committed without having committed the previous height");
    else {
      const defect = blockDefect(c.block, c.height, parent, (a) => input.power.has(a));
      if (defect !== null) bad("validity", `committed an invalid block: ${defect}`);
    }
    const certificate = certificateDefect(input, c);
    if (certificate !== null) bad("certificate", certificate);
  }
}

function certificateDefect(input: CheckInput, c: CommitRecord): string | null {
  const { commit } = c;
  if (commit.height !== c.height) return `commit is for height ${commit.height}`;
  if (commit.blockHash !== c.blockHash) return `commit is for block ${commit.blockHash}`;
  let signed = 0n;
  let total = 0n;
  for (const p of input.power.values()) total += p;
  const signers = new Set<Address>();
  for (const s of commit.signatures) {
    if (signers.has(s.validator)) return `${s.validator} signed twice`;
    signers.add(s.validator);
    const power = input.power.get(s.validator);
    if (power === undefined) return `${s.validator} is not a validator`;
    const vote: Vote = {
      type: VoteType.Precommit,
      height: commit.height,
      round: commit.round,
      blockHash: commit.blockHash,
      validator: s.validator,
      signature: s.signature,
    };
    if (input.verifier.voteSigner(input.chainId, vote) !== s.validator)
      return `bad signature of ${s.validator}`;
    signed += power;
  }
  if (signed * 3n <= total * 2n) return `signed power ${signed} of ${total} is not more than 2/3`;
  return null;
}

function checkSigning(obs: Observations, out: Violation[]): void {
  const votes = new Map<string, Hex | null>();
  for (const { by, vote } of obs.honestVotes) {
    const key = `${by.label}|${vote.type}|${vote.height}|${vote.round}`;
    const earlier = votes.get(key);
    if (earlier === undefined) votes.set(key, vote.blockHash);
    else if (earlier !== vote.blockHash) {
      out.push({
        kind: "doubleSign",
        node: by.label,
        height: vote.height,
        detail: `signed type ${vote.type} votes in round ${vote.round} for ${earlier} and ${vote.blockHash}`,
      });
    }
  }
  const proposals = new Map<string, Hex>();
  for (const { by, proposal } of obs.honestProposals) {
    const key = `${by.label}|${proposal.height}|${proposal.round}`;
    const earlier = proposals.get(key);
    if (earlier === undefined) proposals.set(key, proposal.blockHash);
    else if (earlier !== proposal.blockHash) {
      out.push({
        kind: "doubleSign",
        node: by.label,
        height: proposal.height,
        detail: `signed two proposals in round ${proposal.round}: ${earlier} and ${proposal.blockHash}`,
      });
    }
  }
}

function checkEvidence(input: CheckInput, obs: Observations, out: Violation[]): void {
  for (const { by, evidence } of obs.evidence) {
    if (!by.honest) continue;
    const { voteA: a, voteB: b } = evidence;
    const bad = (detail: string): void => {
      out.push({ kind: "falseEvidence", node: by.label, height: a.height, detail });
    };
    if (a.validator !== b.validator || a.type !== b.type || a.height !== b.height || a.round !== b.round) {
      bad("the two votes are not of one validator and one (height, round, type)");
    } else if (a.blockHash === b.blockHash) bad("the two votes are for the same block");
    else if (
      input.verifier.voteSigner(input.chainId, a) !== a.validator ||
      input.verifier.voteSigner(input.chainId, b) !== b.validator
    ) {
      bad("a vote's signature does not verify");
    } else if (input.honestAddresses.has(a.validator)) bad(`accuses honest validator ${a.validator}`);
  }
}

/** Every double sign honest engines heard, once per (validator, height, round, type), in the order first heard. */
export function doubleSignsSeen(obs: Observations): DoubleSign[] {
  const first = new Map<string, Hex | null>();
  const found = new Map<string, DoubleSign>();
  for (const { by, vote, timeMs } of obs.heardVotes) {
    const what = `${vote.validator}|${vote.height}|${vote.round}|${vote.type}`;
    const key = `${by.label}|${what}`;
    const earlier = first.get(key);
    if (earlier === undefined) first.set(key, vote.blockHash);
    else if (earlier !== vote.blockHash && !found.has(what)) {
      const { validator, height, round, type } = vote;
      found.set(what, { validator, height, round, type, seenBy: by.label, timeMs });
    }
  }
  return [...found.values()];
}

/** The chain honest nodes committed, from height 1 up to the first height none of them committed. */
export function committedChain(commits: readonly CommitRecord[]): SimBlock[] {
  const byHeight = new Map<number, SimBlock>();
  for (const c of commits) if (c.by.honest && !byHeight.has(c.height)) byHeight.set(c.height, c.block);
  const chain: SimBlock[] = [];
  for (let h = 1; byHeight.has(h); h++) chain.push(byHeight.get(h) as SimBlock);
  return chain;
}

/**
 * Evidence in committed blocks must be true (an honest validator is never slashed, a forged signature never
 * convicts anyone), and every double sign seen must be punished within the evidence age if the chain got
 * that far: an offence is one validator at one height, whatever the round or the vote type.
 */
function checkPunishment(
  input: CheckInput,
  obs: Observations,
  commits: readonly CommitRecord[],
  out: Violation[],
): void {
  const chain = committedChain(commits);
  const punishedAt = new Map<string, number>();
  for (const block of chain) {
    for (const e of block.evidence) {
      const defect = evidenceDefect(input, e);
      if (defect !== null) {
        const kind = input.honestAddresses.has(e.voteA.validator) ? "slashedHonest" : "validity";
        out.push({
          kind,
          height: block.height,
          detail: `block ${blockHash(block)} carries evidence ${defect}`,
        });
      }
      const key = offenceKey(e.voteA.validator, e.voteA.height);
      if (!punishedAt.has(key)) punishedAt.set(key, block.height);
    }
  }
  const reported = new Set<string>();
  for (const d of doubleSignsSeen(obs)) {
    const key = offenceKey(d.validator, d.height);
    const deadline = d.height + input.evidenceAge;
    if (chain.length < deadline || reported.has(key)) continue;
    const at = punishedAt.get(key);
    if (at !== undefined && at <= deadline) continue;
    reported.add(key);
    out.push({
      kind: "evidenceMissing",
      node: d.seenBy,
      height: d.height,
      detail:
        `${d.validator} double signed type ${d.type} in round ${d.round} (seen at ${d.timeMs.toFixed(0)} ms), ` +
        `${at === undefined ? "never punished" : `punished only at height ${at}`} (deadline ${deadline})`,
    });
  }
}

/** Why committed evidence convicts nobody (shape, signatures) or convicts an honest validator, or null. */
function evidenceDefect(input: CheckInput, e: DuplicateVoteEvidence): string | null {
  const shape = shapeProblem(e);
  if (shape !== null) return `of bad shape: ${shape}`;
  const { validator } = e.voteA;
  for (const vote of [e.voteA, e.voteB]) {
    if (input.verifier.voteSigner(input.chainId, vote) !== validator)
      return `against ${validator} whose signature does not verify`;
  }
  if (input.honestAddresses.has(validator)) return `against honest validator ${validator}`;
  return null;
}
