import fc from "fast-check";
import { errorMessage } from "../../node/util/errors.ts";

/** A class of error a decoder declares it throws; anything else escaping it is a crash. */
export type ErrorClass = abstract new (...args: never[]) => Error;

/** One surface a stranger reaches, as a fast-check property over its inputs. */
export interface FuzzTarget {
  name: string;
  /** Share of a total run budget (run.ts); cheap targets weigh more so the bulk of inputs costs little. */
  weight: number;
  property(): fc.IRawProperty<[unknown], boolean>;
}

/** Over this, one input is treated as a hang: no decoder of ours needs it for inputs of these sizes. */
export const SLOW_INPUT_MS = 2_000;

/** The outcome of one input that was neither a success nor a declared error. */
export class FuzzFailure extends Error {
  override readonly name = "FuzzFailure";
}

/**
 * Outcomes by check and kind ("ok" or the error's name), kept when asked for (run.ts --tally): shows whether
 * inputs get past the first check of a decoder or all die at its door.
 */
export const outcomes: { enabled: boolean; counts: Map<string, Map<string, number>> } = {
  enabled: false,
  counts: new Map(),
};

export function tally(what: string, outcome: string): void {
  if (!outcomes.enabled) return;
  const byKind = outcomes.counts.get(what) ?? new Map<string, number>();
  byKind.set(outcome, (byKind.get(outcome) ?? 0) + 1);
  outcomes.counts.set(what, byKind);
}

function checkThrown(err: unknown, allowed: readonly ErrorClass[], what: string): void {
  if (err instanceof FuzzFailure) throw err;
  tally(what, outcomeOf(err));
  if (allowed.some((cls) => err instanceof cls)) return;
  const kind = err instanceof Error ? err.constructor.name : typeof err;
  throw new FuzzFailure(`${what} threw ${kind} (${errorMessage(err)}), not one of ${names(allowed)}`, {
    cause: err,
  });
}

function outcomeOf(err: unknown): string {
  if (!(err instanceof Error)) return typeof err;
  const code = (err as { code?: unknown }).code;
  return typeof code === "string" ? `${err.name} ${code}` : err.name;
}

function names(allowed: readonly ErrorClass[]): string {
  return allowed.map((c) => c.name).join(" | ");
}

function checkTime(started: number, what: string): void {
  const elapsed = performance.now() - started;
  if (elapsed > SLOW_INPUT_MS) throw new FuzzFailure(`${what} took ${Math.round(elapsed)} ms on one input`);
}

/** Runs `decode`: it may return anything or throw one of `allowed`, and must not take a hang's time. */
export function expectTyped(decode: () => unknown, allowed: readonly ErrorClass[], what: string): void {
  const started = performance.now();
  try {
    decode();
    tally(what, "ok");
  } catch (err) {
    checkThrown(err, allowed, what);
  }
  checkTime(started, what);
}

export async function expectTypedAsync(
  decode: () => Promise<unknown>,
  allowed: readonly ErrorClass[],
  what: string,
): Promise<void> {
  const started = performance.now();
  try {
    await decode();
    tally(what, "ok");
  } catch (err) {
    checkThrown(err, allowed, what);
  }
  checkTime(started, what);
}

/** A target whose check is synchronous (every decoder but the RPC dispatcher). */
export function syncTarget<T>(
  name: string,
  weight: number,
  arbitrary: fc.Arbitrary<T>,
  check: (input: T) => void,
): FuzzTarget {
  return {
    name,
    weight,
    property: () =>
      fc.property(arbitrary as fc.Arbitrary<unknown>, (input) => {
        check(input as T);
      }),
  };
}

export function asyncTarget<T>(
  name: string,
  weight: number,
  arbitrary: fc.Arbitrary<T>,
  check: (input: T) => Promise<void>,
): FuzzTarget {
  return {
    name,
    weight,
    property: () =>
      fc.asyncProperty(arbitrary as fc.Arbitrary<unknown>, async (input) => {
        await check(input as T);
      }) as unknown as fc.IRawProperty<[unknown], boolean>,
  };
}

export interface TargetResult {
  target: string;
  inputs: number;
  ms: number;
  failures: number;
  /** The shrunk failing input and the error, for a regression test. */
  counterexample?: string;
  error?: string;
}

/** Runs one target for `numRuns` inputs from `seed`; a failure is shrunk to its smallest input. */
export async function runTarget(target: FuzzTarget, numRuns: number, seed: number): Promise<TargetResult> {
  const started = performance.now();
  const details = await fc.check(target.property(), { numRuns, seed, endOnFailure: false });
  const ms = Math.round(performance.now() - started);
  const result: TargetResult = {
    target: target.name,
    inputs: details.numRuns,
    ms,
    failures: details.failed ? 1 : 0,
  };
  if (details.failed) {
    result.counterexample = shown(details.counterexample?.[0]);
    result.error = errorMessage(details.errorInstance);
  }
  return result;
}

/** Splits exactly `total` inputs across targets by weight (each gets at least one), remainders to the first. */
export function splitRuns(targets: readonly FuzzTarget[], total: number): Map<FuzzTarget, number> {
  const weights = targets.reduce((sum, t) => sum + t.weight, 0);
  const runs = targets.map((t) => Math.max(1, Math.floor((total * t.weight) / weights)));
  let left = total - runs.reduce((sum, n) => sum + n, 0);
  for (let i = 0; left > 0; i = (i + 1) % runs.length, left--) runs[i] = (runs[i] ?? 0) + 1;
  return new Map(targets.map((t, i) => [t, runs[i] ?? 1]));
}

/** The failing input, cut short: a deeply nested one is too deep for fast-check's printer. */
function shown(value: unknown): string {
  let text: string;
  try {
    text = fc.stringify(value);
  } catch {
    text = "(too deep to print)";
  }
  return text.length > 4000 ? `${text.slice(0, 4000)}...` : text;
}
