import type { MessageVerifier } from "../../node/consensus/messages.ts";
import { type Address, type Hex, VoteType } from "../../node/crypto/index.ts";
import type { Vote } from "../../node/types/shapes.ts";
import { blockDefect, blockHash, GENESIS_PARENT } from "./block.ts";
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
}

export function check(input: CheckInput, obs: Observations): Violation[] {
  const violations: Violation[] = [];
  const honestCommits = obs.commits.filter((c) => c.by.honest);
  checkAgreement(honestCommits, violations);
  checkValidity(input, obs, honestCommits, violations);
  checkSigning(obs, violations);
  checkEvidence(input, obs, violations);
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
