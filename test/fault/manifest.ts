import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { z } from "zod";
import { errorMessage } from "../../node/util/errors.ts";

const name = z
  .string()
  .regex(/^[a-z][a-z0-9-]*$/, "lowercase letters, digits and dashes, starting with a letter");
const nodes = z.array(name).min(1);
const ms = z.number().int().min(0).max(600_000);

const validator = z.strictObject({
  name,
  /** Voting power in whole tokens (the genesis stake is power × 10^18). */
  power: z.number().int().min(1).max(1_000_000).default(1000),
  /**
   * Runs with the validator key of the named validator, in a home of its own: two processes sign as one
   * validator. Its power is the original's; it is not a validator of the genesis.
   */
  duplicateOf: name.optional(),
  /** Not started with the others at the beginning. */
  startLater: z.boolean().default(false),
});

const linkShape = z.strictObject({
  delayMs: ms.default(0),
  jitterMs: ms.default(0),
  /** Share of chunks delayed by a TCP retransmission (0–1). */
  loss: z.number().min(0).max(1).default(0),
});

/** One thing the runner does; invariants are checked after each. */
const step = z.discriminatedUnion("do", [
  /** Waits until the running nodes have made this many more blocks. */
  z.strictObject({ do: z.literal("advance"), blocks: z.number().int().min(1).max(1000) }),
  /** SIGKILL: no shutdown code runs. */
  z.strictObject({ do: z.literal("kill"), nodes }),
  /** SIGTERM and wait for a clean exit, then start again. */
  z.strictObject({ do: z.literal("restart"), nodes }),
  z.strictObject({ do: z.literal("start"), nodes }),
  /** SIGSTOP: the process is frozen, its sockets stay open. */
  z.strictObject({ do: z.literal("pause"), nodes }),
  /** SIGCONT. */
  z.strictObject({ do: z.literal("resume"), nodes }),
  /** SIGKILL every node at once, then start them all again. */
  z.strictObject({ do: z.literal("crash-all") }),
  /** Stops the node, deletes its data folder (blocks, state, WAL, sign state) and starts it: it syncs from peers. */
  z.strictObject({ do: z.literal("wipe"), nodes }),
  /**
   * Restarts the node with the crash-after-block-write hook: it kills itself once the block this many heights
   * above the current one is written, before its app and consensus move on; then it is started again.
   */
  z.strictObject({
    do: z.literal("crash-mid-commit"),
    node: name,
    heightsAhead: z.number().int().min(1).max(50),
  }),
  /** Groups that reach each other only inside; a node in no group is cut from all. */
  z.strictObject({ do: z.literal("partition"), groups: z.array(nodes).min(1) }),
  /** Every link back to open, no delay or loss. */
  z.strictObject({ do: z.literal("heal") }),
  /** Bytes from `from` to `to` are dropped; the other direction passes. */
  z.strictObject({ do: z.literal("one-way"), from: name, to: name }),
  /** Delay, jitter and loss on every link touching the nodes (both directions). */
  z.strictObject({ do: z.literal("shape"), nodes, link: linkShape }),
  /** Lets time pass with the faults in place (invariants are still checked after). */
  z.strictObject({ do: z.literal("sleep"), ms }),
  /** Bridge scenarios: a deposit from L1, with the relayer killed at a stage. */
  z.strictObject({
    do: z.literal("deposit"),
    killRelayer: z.enum(["never", "before-lock", "after-lock", "after-mint"]).default("never"),
  }),
  /** Bridge scenarios: a withdrawal to L1, with the relayer killed at a stage. */
  z.strictObject({
    do: z.literal("withdraw"),
    killRelayer: z.enum(["never", "before-burn", "after-burn", "after-checkpoint"]).default("never"),
  }),
]);

export type Step = z.output<typeof step>;
export type StepKind = Step["do"];

const expectations = z.strictObject({
  /** Validators expected to sign two different votes for one (height, round, type): exempt from that check. */
  doubleSigners: z.array(name).default([]),
  /** Each of doubleSigners must really be seen double-signing (the scenario is about catching it). */
  doubleSignSeen: z.boolean().default(false),
  /** Validators expected to be out of the active set at the end (checked over RPC, see expectChecks.ts). */
  jailed: z.array(name).default([]),
  /** The chain reaches at least this height by the end. */
  minHeight: z.number().int().min(0).default(0),
});

export const manifestSchema = z
  .strictObject({
    description: z.string().min(1),
    /** In the fast subset `npm test` runs (test/integration/faultSuite.test.ts). */
    fast: z.boolean().default(false),
    /** Starts an L1, the bridge contracts and a relayer next to the cluster. */
    bridge: z.boolean().default(false),
    /** Proxies between nodes; off runs the nodes connected directly (as a plain Cluster). */
    proxied: z.boolean().default(true),
    validators: z.array(validator).min(1).max(7),
    epochLength: z.number().int().min(2).optional(),
    steps: z.array(step).min(1),
    expect: expectations.default({ doubleSigners: [], doubleSignSeen: false, jailed: [], minHeight: 0 }),
  })
  .superRefine((m, ctx) => {
    const names = m.validators.map((v) => v.name);
    const known = new Set(names);
    if (known.size !== names.length)
      ctx.addIssue({ code: "custom", path: ["validators"], message: "validator names must be unique" });
    m.validators.forEach((v, i) => {
      if (v.duplicateOf === undefined) return;
      const original = m.validators.find((o) => o.name === v.duplicateOf);
      if (original === undefined || original.duplicateOf !== undefined)
        ctx.addIssue({
          code: "custom",
          path: ["validators", i, "duplicateOf"],
          message: `${v.duplicateOf} is not a genesis validator of this manifest`,
        });
    });
    if (m.bridge && m.validators.some((v) => v.duplicateOf !== undefined || v.power !== 1000))
      ctx.addIssue({
        code: "custom",
        path: ["validators"],
        message: "a bridge scenario's validators have the deployed set's equal powers and no duplicates",
      });
    const check = (path: (string | number)[], n: string) => {
      if (!known.has(n)) ctx.addIssue({ code: "custom", path, message: `unknown node ${JSON.stringify(n)}` });
    };
    m.steps.forEach((s, i) => {
      const at: (string | number)[] = ["steps", i];
      if ("nodes" in s) for (const [j, n] of s.nodes.entries()) check([...at, "nodes", j], n);
      if (s.do === "crash-mid-commit") check([...at, "node"], s.node);
      if (s.do === "one-way") {
        check([...at, "from"], s.from);
        check([...at, "to"], s.to);
      }
      if (s.do === "partition")
        for (const [j, g] of s.groups.entries())
          for (const [k, n] of g.entries()) check([...at, "groups", j, k], n);
      if ((s.do === "deposit" || s.do === "withdraw") && !m.bridge)
        ctx.addIssue({ code: "custom", path: [...at, "do"], message: `${s.do} needs "bridge": true` });
      if (!m.proxied && ["partition", "one-way", "shape"].includes(s.do))
        ctx.addIssue({ code: "custom", path: [...at, "do"], message: `${s.do} needs "proxied": true` });
    });
    for (const [key, list] of [
      ["doubleSigners", m.expect.doubleSigners],
      ["jailed", m.expect.jailed],
    ] as const)
      for (const [j, n] of list.entries()) check(["expect", key, j], n);
  });

export type Manifest = z.output<typeof manifestSchema> & { name: string };

export class ManifestError extends Error {
  override readonly name = "ManifestError";
}

/** Each problem on its own line, with the JSON path that has it. */
export function parseManifest(json: unknown, scenario: string): Manifest {
  const result = manifestSchema.safeParse(json);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const path = issue.path.length === 0 ? "(top)" : issue.path.join(".");
      return `  ${path}: ${issue.message}`;
    });
    throw new ManifestError(`scenario ${scenario}: invalid manifest\n${lines.join("\n")}`);
  }
  return { ...result.data, name: scenario };
}

/** The scenario's name is its file's name without .json. */
export async function loadManifest(path: string): Promise<Manifest> {
  const scenario = basename(path, ".json");
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, "utf8"));
  } catch (err) {
    throw new ManifestError(`scenario ${scenario}: cannot read ${path}: ${errorMessage(err)}`);
  }
  return parseManifest(json, scenario);
}
