import {
  type CatchUpState,
  type ConsensusEngine,
  type EngineAction,
  type EngineEvent,
  Step,
} from "../../node/consensus/messages.ts";
import type { Vote } from "../../node/types/shapes.ts";
import type { SimBlock } from "./block.ts";
import type { Observer, ReplicaId } from "./observer.ts";

/**
 * The engine as a simulated replica hands it to the production driver: unchanged, except that fired timeouts
 * and every returned action go into the trace (what the driver does is then visible in a replay), and the
 * replica hears when a height starts (the driver starts heights itself, and the replica's gossip layer must
 * follow).
 */
export class TracedEngine implements ConsensusEngine<SimBlock> {
  constructor(
    private readonly engine: ConsensusEngine<SimBlock>,
    private readonly observer: Observer,
    private readonly id: ReplicaId,
    private readonly onHeightStarted: (height: number) => void,
  ) {}

  get height(): number {
    return this.engine.height;
  }

  get round(): number {
    return this.engine.round;
  }

  get step(): Step {
    return this.engine.step;
  }

  catchUp(): CatchUpState<SimBlock> {
    return this.engine.catchUp();
  }

  knows(event: EngineEvent<SimBlock>): boolean {
    return this.engine.knows(event);
  }

  handle(event: EngineEvent<SimBlock>): EngineAction<SimBlock>[] {
    if (event.kind === "timeout")
      this.observer.trace(this.id, `timeout h${event.height}r${event.round} ${event.step}`);
    if (event.kind === "vote" && this.id.honest) this.noteVote(event.vote);
    const before = this.engine.height;
    const actions = this.engine.handle(event);
    for (const action of actions) this.observer.trace(this.id, describeAction(action));
    if (this.engine.height !== before) this.onHeightStarted(this.engine.height);
    return actions;
  }

  /** Votes the engine counts (its height, not yet decided, no further than the next round) go to the checker. */
  private noteVote(vote: Vote): void {
    const e = this.engine;
    if (vote.height === e.height && e.step !== Step.Commit && vote.round <= e.round + 1)
      this.observer.heardVote(this.id, vote);
  }
}

function describeAction(a: EngineAction<SimBlock>): string {
  switch (a.kind) {
    case "buildBlock":
      return `buildBlock h${a.height}r${a.round}`;
    case "validateBlock":
      return `validateBlock h${a.height}r${a.round} ${a.value.blockHash.slice(0, 10)}`;
    case "signProposal": {
      const p = a.proposal;
      return `signProposal h${p.height}r${p.round} pol${p.polRound} ${p.blockHash.slice(0, 10)}`;
    }
    case "signVote": {
      const v = a.vote;
      return `signVote t${v.type} h${v.height}r${v.round} ${v.blockHash?.slice(0, 10) ?? "nil"}`;
    }
    case "scheduleTimeout":
      return `scheduleTimeout h${a.height}r${a.round} ${a.step} ${a.durationMs}`;
    case "commit":
      return `commit h${a.height}r${a.commit.round} ${a.value.blockHash.slice(0, 10)} sigs=${a.commit.signatures.length}`;
    case "evidence": {
      const v = a.evidence.voteA;
      return `evidence ${v.validator.slice(0, 8)} t${v.type} h${v.height}r${v.round}`;
    }
  }
}
