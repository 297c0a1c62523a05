import { Step, type TimeoutConfig, type TimeoutStep } from "./messages.ts";

/** Timeouts grow linearly with the round so that, after GST, some round is long enough for everyone. */
export function timeoutFor(config: TimeoutConfig, step: TimeoutStep, round: number): number {
  switch (step) {
    case Step.Propose:
      return config.proposeMs + config.proposeDeltaMs * round;
    case Step.Prevote:
      return config.prevoteMs + config.prevoteDeltaMs * round;
    case Step.Precommit:
      return config.precommitMs + config.precommitDeltaMs * round;
  }
}
