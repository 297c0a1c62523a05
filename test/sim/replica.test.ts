import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createEngine } from "../../node/consensus/engine.ts";
import type {
  ConsensusEngine,
  EngineAction,
  EngineEvent,
  EngineOptions,
} from "../../node/consensus/messages.ts";
import type { SimBlock } from "./block.ts";
import type { EngineFactory } from "./run.ts";
import { runScenario } from "./run.ts";
import { type Manifest, standardScenario } from "./scenario.ts";

/** A small run with honest nodes only, so every failure of node 0 is one the checker must report. */
const honestRun = (): Manifest => ({ ...standardScenario(3), byzantine: [], targetHeight: 3 });

/** Wraps the production engine of the first node created (node 0); the others stay untouched. */
function firstNodeEngine(
  change: (engine: ConsensusEngine<SimBlock>, event: EngineEvent<SimBlock>) => EngineAction<SimBlock>[],
): EngineFactory {
  let created = 0;
  return (options: EngineOptions) => {
    const engine = createEngine<SimBlock>(options);
    if (created++ > 0) return engine;
    return {
      get height() {
        return engine.height;
      },
      get round() {
        return engine.round;
      },
      get step() {
        return engine.step;
      },
      catchUp: () => engine.catchUp(),
      knows: (event) => engine.knows(event),
      handle: (event) => change(engine, event),
    };
  };
}

describe("sim replica around the production driver", () => {
  it("a clean run of the unchanged engine has no violations", async () => {
    const result = await runScenario(honestRun());
    assert.deepEqual(result.violations, []);
    assert.equal(result.stats.heights, 3);
  });

  it("reports an engine that throws as a crash of that node, which then stops", async () => {
    let votes = 0;
    const result = await runScenario(honestRun(), {
      engineFactory: firstNodeEngine((engine, event) => {
        if (event.kind === "vote" && ++votes === 3) throw new Error("engine broke");
        return engine.handle(event);
      }),
    });
    const crashes = result.violations.filter((v) => v.kind === "crash");
    assert.deepEqual(
      crashes.map((v) => [v.node, v.detail]),
      [["n0", "Error: engine broke"]],
    );
    assert.ok(result.violations.some((v) => v.kind === "progress" && v.node === "n0"));
  });

  it("reports a second commit for one height as an engine-contract breach, not as a crash", async () => {
    const result = await runScenario(honestRun(), {
      engineFactory: firstNodeEngine((engine, event) => {
        const actions = engine.handle(event);
        return actions.flatMap((a): EngineAction<SimBlock>[] => (a.kind === "commit" ? [a, a] : [a]));
      }),
    });
    const kinds = result.violations.map((v) => `${v.kind} ${v.node}`);
    assert.ok(kinds.includes("engineContract n0"), kinds.join(", "));
    assert.ok(!kinds.some((k) => k.startsWith("crash")), kinds.join(", "));
  });
});

describe("sim replica: evidence in proposed blocks", () => {
  /** Byzantine proposers whose every block accuses an honest validator with forged votes. */
  const forging = (): Manifest => {
    const m = standardScenario(6);
    return {
      ...m,
      targetHeight: 12,
      byzantine: m.byzantine.map((b) => ({
        ...b,
        strategy: "equivocate",
        invalidBlockProb: 0,
        voteEquivocationProb: 0,
        withholdProb: 0,
        falseEvidenceProb: 1,
        silentFromHeight: undefined,
      })),
    };
  };

  it("honest nodes refuse blocks with false evidence, so no honest validator is slashed", async () => {
    const manifest = forging();
    assert.ok(manifest.byzantine.length > 0, "the scenario has a byzantine proposer");
    const result = await runScenario(manifest);
    assert.ok(result.stats.falseEvidenceProposed > 0, "false evidence was proposed");
    assert.deepEqual(result.violations, []);
  });

  it("the checker reports slashed honest validators when honest nodes take any evidence", async () => {
    const result = await runScenario(forging(), { honestEvidence: "unchecked" });
    assert.ok(
      result.violations.some((v) => v.kind === "slashedHonest"),
      result.violations.map((v) => v.kind).join(", "),
    );
  });
});

describe("sim replica: double signs left unpunished", () => {
  it("the checker reports double signs when honest proposers never include evidence", async () => {
    const manifest = standardScenario(6);
    const fair = await runScenario(manifest);
    assert.ok(fair.stats.doubleSignsDue > 0, "the run holds some double sign to its evidence age");
    assert.deepEqual(fair.violations, []);
    const withheld = await runScenario(manifest, { honestEvidence: "withheld" });
    assert.ok(
      withheld.violations.some((v) => v.kind === "evidenceMissing"),
      withheld.violations.map((v) => v.kind).join(", "),
    );
  });
});
