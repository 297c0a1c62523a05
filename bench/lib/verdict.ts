/** What the saturation point and the goals read from each rate step. */
export interface StepFigures {
  kind: TransferKind;
  offeredPerSecond: number;
  committedPerSecond: number;
  p50Ms: number | null;
  p99Ms: number | null;
  /** Accepted transactions that could commit (no gap before them) but did not within the drain period. */
  lost: number;
}

/** native: value transfers; token: a system token's transfer(); erc20: an EVM contract's (TestToken). */
export type TransferKind = "native" | "token" | "erc20";

export interface SaturationRule {
  /** Committed over offered at or above which a step kept up. */
  minCommittedRatio: number;
  /** The p99 send-to-commit latency within which a step kept up. */
  maxP99Ms: number;
}

export const DEFAULT_SATURATION_RULE: SaturationRule = { minCommittedRatio: 0.9, maxP99Ms: 2_000 };

export function keptUp(step: StepFigures, rule: SaturationRule): boolean {
  return (
    step.committedPerSecond >= rule.minCommittedRatio * step.offeredPerSecond &&
    step.p99Ms !== null &&
    step.p99Ms <= rule.maxP99Ms
  );
}

/** The highest offered rate the cluster kept up with, or null if it kept up with none. */
export function saturationPoint(
  steps: readonly StepFigures[],
  rule = DEFAULT_SATURATION_RULE,
): number | null {
  const kept = steps.filter((s) => keptUp(s, rule)).map((s) => s.offeredPerSecond);
  return kept.length === 0 ? null : Math.max(...kept);
}

export type GoalStatus = "met" | "not met" | "not measured" | "not applicable yet";

export interface GoalVerdict {
  goal: string;
  status: GoalStatus;
  detail: string;
}

/** The 500 tx/s latency goal is read at the step offering this rate. */
const LATENCY_GOAL_RATE = 500;

/** The throughput and latency goals, judged on the steps of one run. */
export function judgeGoals(steps: readonly StepFigures[]): GoalVerdict[] {
  const native = steps.filter((s) => s.kind === "native");
  const lossless = (s: StepFigures) => s.lost === 0;
  const best = native.filter(lossless).reduce((m, s) => Math.max(m, s.committedPerSecond), 0);
  const throughput: GoalVerdict =
    native.length === 0
      ? { goal: ">= 1,000 committed native transfers/s", status: "not measured", detail: "no native step" }
      : {
          goal: ">= 1,000 committed native transfers/s",
          status: best >= 1_000 ? "met" : "not met",
          detail: `best lossless step committed ${Math.round(best)} tx/s`,
        };
  const at500 = native.find((s) => s.offeredPerSecond === LATENCY_GOAL_RATE);
  const latency: GoalVerdict =
    at500 === undefined
      ? {
          goal: "p50 <= 1 s, p99 <= 2 s at 500 tx/s",
          status: "not measured",
          detail: "no native 500 tx/s step",
        }
      : {
          goal: "p50 <= 1 s, p99 <= 2 s at 500 tx/s",
          status:
            at500.p50Ms !== null && at500.p99Ms !== null && at500.p50Ms <= 1_000 && at500.p99Ms <= 2_000
              ? "met"
              : "not met",
          detail: `p50 ${at500.p50Ms ?? "-"} ms, p99 ${at500.p99Ms ?? "-"} ms`,
        };
  const erc20Steps = steps.filter((s) => s.kind === "erc20");
  const erc20Best = erc20Steps.filter(lossless).reduce((m, s) => Math.max(m, s.committedPerSecond), 0);
  const erc20: GoalVerdict =
    erc20Steps.length === 0
      ? { goal: ">= 300 EVM ERC20 transfers/s", status: "not measured", detail: "no erc20 step" }
      : {
          goal: ">= 300 EVM ERC20 transfers/s",
          status: erc20Best >= 300 ? "met" : "not met",
          detail: `best lossless step committed ${Math.round(erc20Best)} tx/s`,
        };
  return [throughput, latency, erc20];
}
