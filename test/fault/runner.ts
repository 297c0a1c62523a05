import { errorMessage } from "../../node/util/errors.ts";
import { eventually, heightOf } from "../helpers/cluster.ts";
import { BridgeLedger } from "./bridgeSteps.ts";
import { runExpectations } from "./expectChecks.ts";
import { FaultNet } from "./faultNet.ts";
import { ChainRecord, checkVotes, InvariantError } from "./invariants.ts";
import type { Manifest, Step } from "./manifest.ts";
import type { VoteObserver } from "./observer.ts";

/** Generous: a guard against a hang on a loaded 2-core machine, never a claim about speed. */
const LIVENESS_DEADLINE_MS = 150_000;
/** How long a chain that must stand still is watched. */
const HALT_WINDOW_MS = 4_000;

export interface ScenarioResult {
  scenario: string;
  result: "pass" | "fail";
  /** The highest height the runner saw committed. */
  height: number;
  /** Steps that injected a fault (everything but advance and sleep). */
  faults: number;
  /** Invariant checks that ran: heights compared, restarts checked, vote checks, liveness and halt checks. */
  checks: number;
  /** Signed votes the observer recorded off the wire (the double-sign check's input). */
  votes: number;
  /** Validators seen signing two different votes for one (height, round, type): the exempt ones only, on a pass. */
  doubleSigners: string[];
  /** The longest wait, after a step, for the chain to advance again (and every linked node to reach the tip). */
  recoverMs: number;
  durationMs: number;
  error?: string;
  /** The step that failed, as "index: do". */
  failedStep?: string;
}

export interface RunOptions {
  /** Keep the scenario's folder (homes, logs) after it ran; it is always kept and named on failure. */
  keepFiles?: boolean;
  log?: (line: string) => void;
}

/** Runs one manifest on real processes; every process it started is stopped before it returns or throws. */
export async function runScenario(manifest: Manifest, opts: RunOptions = {}): Promise<ScenarioResult> {
  const started = Date.now();
  const say = opts.log ?? (() => {});
  const log = (line: string) => say(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${line}`);
  const record = new ChainRecord();
  const state = { faults: 0, checks: 0, recoverMs: 0, failedStep: undefined as string | undefined };
  let net: FaultNet | null = null;
  const onExit = () => net?.killAllNow();
  process.on("exit", onExit);
  let failure: unknown = null;
  let ledgerChecks = () => 0;
  let observed: VoteObserver | null = null;
  try {
    net = await FaultNet.create(manifest);
    const observer = await net.startObserver();
    observed = observer;
    const first = manifest.validators.filter((v) => !v.startLater).map((v) => v.name);
    // At once: each node's peers are its proxies, known before any node runs; unproxied, each dials those before.
    if (manifest.proxied) await Promise.all(first.map((name) => (net as FaultNet).start(name)));
    else for (const name of first) await net.start(name);
    log(`${manifest.name}: ${net.running().length} nodes up`);
    const exempt = new Set(manifest.expect.doubleSigners.map((n) => net?.node(n).address ?? n));
    const upNet = net;
    if (net.bridge) await net.bridge.startRelayer();
    const ledger = net.bridge
      ? new BridgeLedger(net.bridge, () => upNet.up().map((n) => n.cluster.rpcUrl))
      : null;
    ledgerChecks = () => ledger?.checks ?? 0;
    const check = async () => {
      await checkInvariants(upNet, record, observer, exempt, state);
      await ledger?.checkLedger();
    };
    await check();
    for (const [i, step] of manifest.steps.entries()) {
      state.failedStep = `${i}: ${step.do}`;
      log(`${manifest.name}: step ${i} ${JSON.stringify(step)}`);
      await applyStep(net, record, step, ledger);
      if (step.do !== "advance" && step.do !== "sleep") state.faults++;
      await check();
    }
    state.failedStep = "expectations";
    if (record.tip < manifest.expect.minHeight)
      throw new InvariantError(
        `the chain reached ${record.tip}, expected at least ${manifest.expect.minHeight}`,
      );
    if (manifest.expect.doubleSignSeen) {
      const seen = new Set(observer.conflicts().map((c) => c.validator));
      for (const name of manifest.expect.doubleSigners)
        if (!seen.has(net.node(name).address))
          throw new InvariantError(`${name} was expected to double-sign, but no conflicting votes were seen`);
    }
    await runExpectations(manifest, net);
    state.failedStep = undefined;
  } catch (err) {
    failure = err;
  } finally {
    const keepFiles = opts.keepFiles === true || failure !== null;
    await net?.destroy({ keepFiles }).catch(() => undefined);
    process.off("exit", onExit);
  }
  const result: ScenarioResult = {
    scenario: manifest.name,
    result: failure === null ? "pass" : "fail",
    height: record.tip,
    faults: state.faults,
    checks: state.checks + record.checks + ledgerChecks(),
    votes: observed?.seen ?? 0,
    doubleSigners: [...new Set((observed?.conflicts() ?? []).map((c) => c.validator))],
    recoverMs: state.recoverMs,
    durationMs: Date.now() - started,
  };
  if (failure !== null) {
    result.error = `${errorMessage(failure)}${net ? ` (files kept in ${net.cluster.dir})` : ""}`;
    if (state.failedStep !== undefined) result.failedStep = state.failedStep;
  }
  return result;
}

async function maxHeight(net: FaultNet, names?: readonly string[]): Promise<number> {
  const nodes = net.up().filter((n) => names === undefined || names.includes(n.name));
  const heights = await Promise.all(nodes.map((n) => heightOf(n.cluster.rpcUrl).catch(() => 0)));
  return Math.max(0, ...heights);
}

async function applyStep(
  net: FaultNet,
  record: ChainRecord,
  step: Step,
  ledger: BridgeLedger | null,
): Promise<void> {
  const probe = (name: string) => ({ name, rpcUrl: net.node(name).cluster.rpcUrl });
  // A frozen (SIGSTOP) node accepts a connection and never answers: what it committed is read before it froze.
  const noteGoingDown = async (name: string) => {
    if (!net.node(name).paused) await record.noteGoingDown(probe(name));
  };
  switch (step.do) {
    case "advance": {
      const target = (await maxHeight(net)) + step.blocks;
      await eventually(
        `height ${target}`,
        async () => (await maxHeight(net)) >= target,
        LIVENESS_DEADLINE_MS,
      );
      return;
    }
    case "sleep":
      await new Promise((r) => setTimeout(r, step.ms));
      return;
    case "kill":
      for (const name of step.nodes) {
        await noteGoingDown(name);
        await net.stop(name, { kill: true });
      }
      return;
    case "restart":
      for (const name of step.nodes) {
        await noteGoingDown(name);
        await net.stop(name, { kill: false });
        await startChecked(net, record, name);
      }
      return;
    case "start":
      for (const name of step.nodes) await startChecked(net, record, name);
      return;
    case "pause":
      for (const name of step.nodes) {
        await noteGoingDown(name);
        net.pause(name);
      }
      return;
    case "resume":
      for (const name of step.nodes) net.resume(name);
      return;
    case "crash-all": {
      const names = net.running().map((n) => n.name);
      for (const n of net.up()) await noteGoingDown(n.name);
      await Promise.all(names.map((name) => net.stop(name, { kill: true })));
      await Promise.all(names.map((name) => startChecked(net, record, name)));
      return;
    }
    case "wipe":
      for (const name of step.nodes) {
        await net.stop(name, { kill: true });
        await net.wipeData(name);
        record.forget(name);
        await net.start(name);
      }
      return;
    case "crash-mid-commit": {
      const node = net.node(step.node);
      await noteGoingDown(step.node);
      const target = (await maxHeight(net)) + step.heightsAhead;
      await net.stop(step.node, { kill: false });
      await net.start(step.node, { OUTRIGGER_FAULT_CRASH_AFTER_BLOCK_WRITE: String(target) });
      const child = node.cluster.child;
      await eventually(
        `${step.node} to crash after writing block ${target}`,
        async () => child !== null && (child.exitCode !== null || child.signalCode !== null),
        LIVENESS_DEADLINE_MS,
      );
      if (child?.signalCode !== "SIGKILL")
        throw new InvariantError(
          `${step.node} ended with ${child?.exitCode ?? child?.signalCode}, not the crash`,
        );
      await net.reap(step.node);
      record.noteWritten(step.node, target);
      await startChecked(net, record, step.node);
      return;
    }
    case "partition":
      net.topology.partition(step.groups);
      net.applyTopology();
      return;
    case "heal":
      net.topology.heal();
      net.applyTopology();
      net.clearShapes();
      return;
    case "one-way":
      net.topology.block(step.from, step.to);
      net.applyTopology();
      return;
    case "shape":
      net.shape(step.nodes, step.link);
      return;
    case "deposit":
      if (!ledger) throw new Error("deposit: not a bridge scenario");
      await ledger.deposit(step.killRelayer);
      return;
    case "withdraw":
      if (!ledger) throw new Error("withdraw: not a bridge scenario");
      await ledger.withdraw(step.killRelayer);
      return;
  }
}

/** Starts a node and, before it can sync anything new, checks that what it had committed is still there. */
async function startChecked(net: FaultNet, record: ChainRecord, name: string): Promise<void> {
  await net.start(name);
  await record.checkDurability({ name, rpcUrl: net.node(name).cluster.rpcUrl });
}

/**
 * After every step: no node died on its own; every running node agrees with every height seen so far; nobody
 * double-signed; and the chain advances (every node linked to a 2/3 group reaching the tip), or stands still,
 * as the running power and the links say it must.
 */
async function checkInvariants(
  net: FaultNet,
  record: ChainRecord,
  observer: VoteObserver,
  exempt: ReadonlySet<string>,
  state: { checks: number; recoverMs: number },
): Promise<void> {
  for (const n of net.nodes) {
    const child = n.cluster.child;
    if (child !== null && (child.exitCode !== null || child.signalCode !== null))
      throw new InvariantError(`${n.name} exited by itself (${child.exitCode ?? child.signalCode})`);
  }
  const upNames = new Set(net.up().map((n) => n.name));
  const expectation = net.topology.expectation(upNames);
  if (expectation === "advances") {
    const began = Date.now();
    const group = net.topology.advancingGroup(upNames);
    const target = (await maxHeight(net)) + 2;
    await eventually(
      `every node of ${[...group].join(", ")} at height ${target} (more than 2/3 of the power is up and linked)`,
      async () => {
        for (const name of group) if ((await heightOf(net.node(name).cluster.rpcUrl)) < target) return false;
        return true;
      },
      LIVENESS_DEADLINE_MS,
      500,
    );
    state.recoverMs = Math.max(state.recoverMs, Date.now() - began);
    state.checks++;
  } else if (expectation === "halts") {
    const before = await maxHeight(net);
    await new Promise((r) => setTimeout(r, HALT_WINDOW_MS));
    const after = await maxHeight(net);
    // One block may have been decided just before the fault and land during the window.
    if (after > before + 1)
      throw new InvariantError(`the chain advanced ${before} -> ${after} with no 2/3 of the power linked`);
    state.checks++;
  }
  for (const n of net.up()) await record.checkAgreement({ name: n.name, rpcUrl: n.cluster.rpcUrl });
  checkVotes(observer, exempt);
  state.checks++;
}
