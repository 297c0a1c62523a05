import type { TimeoutConfig } from "../../node/consensus/messages.ts";
import type { ByzantineSpec } from "./byzantine.ts";
import { KEY_POOL_SIZE } from "./keys.ts";
import type { LinkParams, PartitionSpec } from "./network.ts";
import { Rng } from "./rng.ts";
import type { SchemeName } from "./signing.ts";

/**
 * Everything a run depends on, derived from one seed and printable as JSON: a failing seed's manifest says
 * what the network and the adversary did without reading the generator.
 */
export interface Manifest {
  seed: number;
  kind: "standard" | "forkDemo";
  /** Decimal string: JSON has no bigint. */
  chainId: string;
  signatures: SchemeName;
  nodes: NodeManifest[];
  byzantine: ByzantineSpec[];
  link: LinkParams;
  partitions: PartitionSpec[];
  timeouts: TimeoutConfig;
  gossipIntervalMs: number;
  targetHeight: number;
  /** Every honest node must have committed targetHeight by this simulated time. */
  progressDeadlineMs: number;
}

export interface NodeManifest {
  keyIndex: number;
  /** Decimal string voting power. */
  power: string;
  startMs: number;
}

export const NODE_COUNTS = [4, 7, 10] as const;

const NORMAL_TIMEOUTS: TimeoutConfig = {
  proposeMs: 1000,
  proposeDeltaMs: 500,
  prevoteMs: 400,
  prevoteDeltaMs: 200,
  precommitMs: 400,
  precommitDeltaMs: 200,
  commitMs: 250,
};

/** Shorter than many message delays: rounds fail often, so locking and POL re-proposals get exercised. */
const TIGHT_TIMEOUTS: TimeoutConfig = {
  proposeMs: 150,
  proposeDeltaMs: 75,
  prevoteMs: 60,
  prevoteDeltaMs: 30,
  precommitMs: 60,
  precommitDeltaMs: 30,
  commitMs: 50,
};

/**
 * The scenario family the agreement tests draw from: N cycles through 4, 7, 10 with the seed (so every size
 * gets a third of the seeds); stakes, the byzantine set (< 1/3 of the power), the link, partitions, late
 * starters and the target height come from the seed's generator.
 */
export function standardScenario(seed: number): Manifest {
  const rng = new Rng(seed).fork("scenario");
  const n = NODE_COUNTS[seed % NODE_COUNTS.length] as number;
  const nodes = drawNodes(rng, n);
  const total = totalPower(nodes);

  // Most attacks need power close to 1/3 to bite, so usually take as much as stays below it; sometimes a
  // lone byzantine node, sometimes none.
  const mode = rng.pick(["none", "one", "heavy", "heavy", "heavy"] as const);
  let byzantineNodes: number[] = [];
  if (mode !== "none") {
    let best = -1n;
    for (let attempt = 0; attempt < (mode === "heavy" ? 8 : 1); attempt++) {
      const chosen: number[] = [];
      let power = 0n;
      for (const i of rng.shuffle(range(n))) {
        const p = BigInt((nodes[i] as NodeManifest).power);
        if ((mode === "heavy" || chosen.length === 0) && (power + p) * 3n < total) {
          chosen.push(i);
          power += p;
        }
      }
      if (power > best) {
        best = power;
        byzantineNodes = chosen;
      }
    }
  }
  const honest = range(n).filter((i) => !byzantineNodes.includes(i));
  const bridging = byzantineNodes.filter(() => rng.chance(0.5));

  // Long partitions stall or split the chain; flapping ones (many short cuts, about a round long) split
  // rounds, which is where locking mistakes show.
  const flapping = rng.chance(0.3);
  const partitions: PartitionSpec[] = [];
  let t = rng.int(0, flapping ? 500 : 3000);
  for (let k = flapping ? rng.int(4, 15) : rng.pick([0, 1, 1, 2, 3]); k > 0; k--) {
    const healMs = t + (flapping ? rng.int(50, 1500) : rng.int(300, 8000));
    const members = range(n).filter((i) => !bridging.includes(i));
    partitions.push({ startMs: t, healMs, groups: dealIntoGroups(rng, members, rng.pick([2, 2, 3])) });
    t = healMs + (flapping ? rng.int(0, 800) : rng.int(0, 3000));
  }

  const sides =
    partitions[0] !== undefined
      ? partitions[0].groups.map((g) => g.filter((i) => honest.includes(i)))
      : dealIntoGroups(rng, honest, 2);
  const byzantine: ByzantineSpec[] = byzantineNodes.map((node) => ({
    node,
    strategy: rng.pick([
      "equivocate",
      "equivocate",
      "lockBreaker",
      "lockBreaker",
      "splitBrain",
      "silent",
    ] as const),
    invalidBlockProb: rng.pick([0, 0.3, 1]),
    voteEquivocationProb: rng.pick([0.2, 0.6, 1]),
    withholdProb: rng.pick([0, 0, 0.3, 0.7]),
    sides,
    falseEvidenceProb: rng.pick([0, 0.3, 1]),
    // A quarter of them stop talking part-way, as a validator that crashes or withholds after misbehaving.
    ...(rng.chance(0.25) && { silentFromHeight: rng.int(2, 30) }),
  }));

  const late = rng.chance(0.25) ? rng.pick(honest) : -1;
  for (const [i, node] of nodes.entries()) node.startMs = i === late ? rng.int(1000, 10000) : rng.int(0, 100);

  const minDelayMs = rng.int(1, 30);
  const link: LinkParams = {
    minDelayMs,
    maxDelayMs: minDelayMs + rng.int(10, 250),
    slowProb: rng.pick([0.01, 0.05, 0.1]),
    slowFactor: rng.pick([3, 10]),
    dropProb: rng.pick([0, 0, 0.01, 0.05, 0.15, 0.3]),
    duplicateProb: rng.pick([0, 0.01, 0.05]),
    // Partitions are pre-GST events too: the network is only "good" once the last one has healed.
    gstMs: Math.max(rng.int(1000, 12000), ...partitions.map((p) => p.healMs)),
  };
  const timeouts = rng.chance(0.35) ? TIGHT_TIMEOUTS : NORMAL_TIMEOUTS;
  const gossipIntervalMs = rng.pick([rng.int(200, 600), rng.int(600, 2000)]);
  // Long enough that the evidence age (EVIDENCE_AGE heights) runs out within a run, several times over.
  const targetHeight = rng.int(28, 44);

  return {
    seed,
    kind: "standard",
    chainId: "77",
    signatures: "fast",
    nodes,
    byzantine,
    link,
    partitions,
    timeouts,
    gossipIntervalMs,
    targetHeight,
    progressDeadlineMs: progressDeadline(nodes, link, partitions, timeouts, gossipIntervalMs, targetHeight),
  };
}

/**
 * The fork the checker must catch: byzantine nodes holding at least 1/3 of the power run one face per side of
 * a long partition of the honest nodes. Whether a given seed forks depends on whether each side plus the
 * byzantine power clears 2/3; the fork-demo test searches a few seeds.
 */
export function forkDemoScenario(seed: number): Manifest {
  const rng = new Rng(seed).fork("fork-demo");
  const n = NODE_COUNTS[seed % NODE_COUNTS.length] as number;
  const nodes = drawNodes(rng, n);
  for (const node of nodes) node.startMs = rng.int(0, 50);
  const total = totalPower(nodes);
  // The smallest byzantine power at or above 1/3 that a few random orders reach: the demo is about the
  // threshold, not about an overwhelming adversary.
  let byzantineNodes: number[] = [];
  let best = total + 1n;
  for (let attempt = 0; attempt < 16; attempt++) {
    const chosen: number[] = [];
    let power = 0n;
    for (const i of rng.shuffle(range(n))) {
      if (power * 3n >= total) break;
      chosen.push(i);
      power += BigInt((nodes[i] as NodeManifest).power);
    }
    if (power < best) {
      best = power;
      byzantineNodes = chosen;
    }
  }
  const honest = range(n).filter((i) => !byzantineNodes.includes(i));
  const sides = balancedSides(nodes, rng.shuffle(honest));
  const partitions: PartitionSpec[] = [{ startMs: 0, healMs: 60_000, groups: sides }];
  const link: LinkParams = {
    minDelayMs: 5,
    maxDelayMs: 60,
    slowProb: 0,
    slowFactor: 1,
    dropProb: 0,
    duplicateProb: 0,
    gstMs: 0,
  };
  const byzantine: ByzantineSpec[] = byzantineNodes.map((node) => ({
    node,
    strategy: "splitBrain",
    invalidBlockProb: 0,
    voteEquivocationProb: 0,
    withholdProb: 0,
    sides,
    falseEvidenceProb: 0,
  }));
  const targetHeight = 3;
  const gossipIntervalMs = 300;
  return {
    seed,
    kind: "forkDemo",
    chainId: "77",
    signatures: "fast",
    nodes,
    byzantine,
    link,
    partitions,
    timeouts: NORMAL_TIMEOUTS,
    gossipIntervalMs,
    targetHeight,
    progressDeadlineMs: progressDeadline(
      nodes,
      link,
      partitions,
      NORMAL_TIMEOUTS,
      gossipIntervalMs,
      targetHeight,
    ),
  };
}

/** The same scenario with byzantine nodes turned honest, last first, until the rest hold less than 1/3. */
export function withByzantineBelowOneThird(m: Manifest): Manifest {
  const total = totalPower(m.nodes);
  const byzantine = [...m.byzantine];
  while (byzantinePower(m.nodes, byzantine) * 3n >= total) byzantine.pop();
  return { ...m, byzantine };
}

export function byzantineShare(m: Manifest): number {
  return Number((byzantinePower(m.nodes, m.byzantine) * 10_000n) / totalPower(m.nodes)) / 10_000;
}

export function totalPower(nodes: readonly NodeManifest[]): bigint {
  return nodes.reduce((sum, node) => sum + BigInt(node.power), 0n);
}

/**
 * When every honest node must be done. Liveness is only promised once the network has settled (GST passed,
 * partitions healed, late nodes started). By then timeouts may have pushed nodes to a high round, so allow a
 * few rounds at that level to reconverge; after that each height gets four rounds from round 0 (byzantine
 * proposers, equivocation), the commit pause, two re-gossip intervals and a few message delays.
 */
function progressDeadline(
  nodes: readonly NodeManifest[],
  link: LinkParams,
  partitions: readonly PartitionSpec[],
  t: TimeoutConfig,
  gossipIntervalMs: number,
  targetHeight: number,
): number {
  const settled = Math.max(link.gstMs, ...partitions.map((p) => p.healMs), ...nodes.map((n) => n.startMs));
  const roundMs = (r: number): number =>
    t.proposeMs +
    t.prevoteMs +
    t.precommitMs +
    r * (t.proposeDeltaMs + t.prevoteDeltaMs + t.precommitDeltaMs);
  let highest = 0;
  for (let elapsed = 0; elapsed + roundMs(highest) <= settled; highest++) elapsed += roundMs(highest);
  const reconverge = 3 * roundMs(highest) + 2 * gossipIntervalMs;
  let fourRounds = 0;
  for (let r = 0; r < 4; r++) fourRounds += roundMs(r);
  const perHeight = t.commitMs + fourRounds + 2 * gossipIntervalMs + 4 * link.maxDelayMs;
  return settled + reconverge + targetHeight * perHeight;
}

function drawNodes(rng: Rng, n: number): NodeManifest[] {
  const keys = rng.shuffle(range(KEY_POOL_SIZE)).slice(0, n);
  // Unequal but not degenerate: a validator holding 2/3 alone would make every scenario trivially safe.
  const skewed = rng.chance(0.3);
  const draw = (): number[] =>
    keys.map(() => (skewed ? rng.int(1, 10) * rng.pick([1, 2, 5]) : rng.int(20, 100)));
  let powers = draw();
  while (powers.some((p) => p * 2 >= powers.reduce((a, b) => a + b, 0))) powers = draw();
  // Unequal stakes are the point: if the draw came out flat, tilt it.
  if (powers.every((p) => p === powers[0])) powers[0] = (powers[0] ?? 1) + 1;
  return keys.map((keyIndex, i) => ({ keyIndex, power: String(powers[i]), startMs: 0 }));
}

function byzantinePower(nodes: readonly NodeManifest[], byzantine: readonly ByzantineSpec[]): bigint {
  return byzantine.reduce((sum, b) => sum + BigInt(nodes[b.node]?.power ?? "0"), 0n);
}

/** Two groups of honest nodes with power as even as a greedy split gets, heaviest first. */
function balancedSides(nodes: readonly NodeManifest[], honest: readonly number[]): number[][] {
  const power = (i: number): bigint => BigInt((nodes[i] as NodeManifest).power);
  const sides: [number[], number[]] = [[], []];
  const weight = [0n, 0n];
  for (const i of [...honest].sort((a, b) => Number(power(b) - power(a)))) {
    const s = (weight[0] as bigint) <= (weight[1] as bigint) ? 0 : 1;
    sides[s].push(i);
    weight[s] = (weight[s] as bigint) + power(i);
  }
  return sides.map((side) => side.sort((a, b) => a - b));
}

/** Splits members into k non-empty groups (fewer if there are fewer members). */
function dealIntoGroups(rng: Rng, members: readonly number[], k: number): number[][] {
  const shuffled = rng.shuffle(members);
  const groups: number[][] = Array.from({ length: Math.min(k, shuffled.length) }, () => []);
  shuffled.forEach((node, i) => {
    const g = i < groups.length ? i : rng.int(0, groups.length - 1);
    groups[g]?.push(node);
  });
  return groups.map((g) => g.sort((a, b) => a - b));
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
