import { createEngine } from "../../node/consensus/engine.ts";
import type { ConsensusEngine, EngineOptions } from "../../node/consensus/messages.ts";
import { ValidatorSet } from "../../node/consensus/validatorSet.ts";
import type { Address } from "../../node/crypto/index.ts";
import type { SimBlock } from "./block.ts";
import { createByzantineNode } from "./byzantine.ts";
import { check, committedChain, doubleSignsSeen, type Violation } from "./checker.ts";
import { EVIDENCE_AGE } from "./evidence.ts";
import { poolKey } from "./keys.ts";
import { type NetworkStats, SimNetwork } from "./network.ts";
import { createHonestNode, type HonestEvidence, type NodeSetup, type SimNode } from "./node.ts";
import { Recorder } from "./recorder.ts";
import { Rng } from "./rng.ts";
import { byzantineShare, type Manifest } from "./scenario.ts";
import { Scheduler } from "./scheduler.ts";
import { createScheme, type SchemeName } from "./signing.ts";
import { TraceHash } from "./trace.ts";
import { ValidatorSchedule } from "./validators.ts";
import { describeMessage, type Packet } from "./wire.ts";

export type EngineFactory = (options: EngineOptions) => ConsensusEngine<SimBlock>;

export interface RunOptions {
  /** The engine under test; the production one unless a test swaps it. */
  engineFactory?: EngineFactory;
  /** Receives every trace line (deliveries, engine actions, timeouts) as it happens. */
  log?: (line: string) => void;
  /** Overrides the manifest's signature scheme (replays with real secp256k1). */
  signatures?: SchemeName;
  /** Test only: a planted evidence fault of every honest node (see HonestEvidence), to show the checker notices. */
  honestEvidence?: HonestEvidence;
}

export interface RunStats {
  nodes: number;
  byzantine: number;
  byzantineShare: number;
  /** Heights that every honest node committed: what the totals count. */
  heights: number;
  /** Heights at which at least one honest node committed (nodes that finish early keep going). */
  decidedHeights: number;
  /** Highest round any honest commit happened in. */
  maxRound: number;
  simTimeMs: number;
  events: number;
  messages: NetworkStats;
  /** Double signs honest engines reported (each engine's reports counted). */
  evidence: number;
  /** Distinct byzantine double signs (validator, height, round, type) some honest engine heard both halves of. */
  doubleSigns: number;
  /** Of those, the ones whose evidence age the chain outlived: the ones the checker held to be punished. */
  doubleSignsDue: number;
  /** Pieces of evidence in the committed chain. */
  evidenceCommitted: number;
  /** Proposed blocks carrying evidence against an honest validator (all of them byzantine-built). */
  falseEvidenceProposed: number;
  wallMs: number;
}

export interface RunResult {
  manifest: Manifest;
  ok: boolean;
  violations: Violation[];
  stats: RunStats;
  /** Fingerprint of the whole trace: equal for two runs of one manifest. */
  traceHash: string;
  /** The command that replays this run. */
  replay: string;
}

export function replayCommand(m: Manifest): string {
  return `npm run sim -- --seed ${m.seed}${m.kind === "forkDemo" ? " --fork-demo" : ""}`;
}

export async function runScenario(manifest: Manifest, options: RunOptions = {}): Promise<RunResult> {
  const wallStart = performance.now();
  const chainId = BigInt(manifest.chainId);
  const scheme = createScheme(options.signatures ?? manifest.signatures, chainId);
  const keys = manifest.nodes.map((n) => poolKey(n.keyIndex));
  const addresses = keys.map((k) => scheme.register(k));
  const power = new Map<Address, bigint>(
    addresses.map((a, i) => [a, BigInt(manifest.nodes[i]?.power ?? "0")]),
  );
  const genesis = ValidatorSet.create(
    addresses.map((address) => ({ address, power: power.get(address) ?? 0n })),
  );
  const validators = new ValidatorSchedule(genesis);

  const scheduler = new Scheduler();
  const rng = new Rng(manifest.seed).fork("run");
  const traceHash = new TraceHash();
  const byzantineAddresses = new Set(manifest.byzantine.map((b) => addresses[b.node] as Address));
  const recorder = new Recorder(() => scheduler.now, traceHash, options.log, byzantineAddresses);
  const nodes: SimNode[] = [];
  const network = new SimNetwork<Packet>(
    scheduler,
    rng.fork("network"),
    manifest.link,
    manifest.partitions,
    (to, from, packet) => {
      recorder.line(`n${to}`, `<- n${from} ${describeMessage(packet.message)}`);
      nodes[to]?.receive(from, packet);
    },
  );
  const factory = options.engineFactory ?? ((o: EngineOptions) => createEngine<SimBlock>(o));
  const byzantineNodes = manifest.byzantine.map((b) => b.node);

  for (const [index, spec] of manifest.nodes.entries()) {
    const address = addresses[index] as Address;
    const setup: NodeSetup = {
      index,
      chainId,
      privateKey: keys[index] as `0x${string}`,
      address,
      nodeCount: manifest.nodes.length,
      addresses,
      scheduler,
      scheme,
      validators,
      timeouts: manifest.timeouts,
      gossipIntervalMs: manifest.gossipIntervalMs,
      observer: recorder,
      rng: rng.fork(`node${index}`),
      newEngine: () =>
        factory({ chainId, self: address, timeouts: manifest.timeouts, verifier: scheme.verifier }),
      isValidator: (a) => power.has(a),
      send: (from, to, packet) => network.send(from, to, packet),
    };
    const byzantine = manifest.byzantine.find((b) => b.node === index);
    const node = byzantine
      ? createByzantineNode(setup, byzantine, byzantineNodes)
      : createHonestNode(setup, options.honestEvidence);
    nodes.push(node);
    scheduler.at(spec.startMs, () => node.start());
  }

  const honest = nodes.filter((n) => n.honest);
  const target = manifest.targetHeight;
  const outcome = await scheduler.run(manifest.progressDeadlineMs, () =>
    honest.every((n) => n.committedHeight() >= target),
  );

  const obs = recorder.observations;
  const honestAddresses = new Set(honest.map((n) => addresses[n.index] as Address));
  const violations = check(
    {
      chainId,
      verifier: scheme.verifier,
      power,
      honestAddresses,
      targetHeight: target,
      finalHeights: new Map(honest.map((n) => [`n${n.index}`, n.committedHeight()])),
      deadlineMs: manifest.progressDeadlineMs,
      reachedTarget: outcome === "done",
      evidenceAge: EVIDENCE_AGE,
    },
    obs,
  );
  const honestCommits = obs.commits.filter((c) => c.by.honest);
  const chain = committedChain(obs.commits);
  const doubleSigns = doubleSignsSeen(obs);
  let falseEvidenceProposed = 0;
  for (const block of obs.proposedBlocks.values()) {
    if (block.evidence.some((e) => honestAddresses.has(e.voteA.validator))) falseEvidenceProposed++;
  }
  return {
    manifest,
    ok: violations.length === 0,
    violations,
    traceHash: traceHash.digest(),
    replay: replayCommand(manifest),
    stats: {
      nodes: nodes.length,
      byzantine: manifest.byzantine.length,
      byzantineShare: byzantineShare(manifest),
      heights: Math.min(...honest.map((n) => n.committedHeight())),
      decidedHeights: new Set(honestCommits.map((c) => c.height)).size,
      maxRound: Math.max(0, ...honestCommits.map((c) => c.commit.round)),
      simTimeMs: scheduler.now,
      events: scheduler.eventsRun,
      messages: { ...network.stats },
      evidence: obs.evidence.filter((e) => e.by.honest).length,
      doubleSigns: doubleSigns.length,
      doubleSignsDue: doubleSigns.filter((d) => chain.length >= d.height + EVIDENCE_AGE).length,
      evidenceCommitted: chain.reduce((n, b) => n + b.evidence.length, 0),
      falseEvidenceProposed,
      wallMs: performance.now() - wallStart,
    },
  };
}
