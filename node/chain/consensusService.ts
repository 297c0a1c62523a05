import { createEngine } from "../consensus/engine.ts";
import type { ConsensusEngine, MessageVerifier, TimeoutConfig } from "../consensus/messages.ts";
import { type Address, type Hex, privateKeyToAddress } from "../crypto/index.ts";
import type { SignStateStore, Wal } from "../storage/index.ts";
import {
  type Block,
  type DuplicateVoteEvidence,
  encodeVote,
  type Proposal,
  type Vote,
} from "../types/index.ts";
import { decodeCatchUpItem, encodeCatchUpItem, encodeProposalMessage } from "../types/wireMessages.ts";
import { errorMessage } from "../util/errors.ts";
import type { ServiceLogger } from "../util/logger.ts";
import type { Chain } from "./chain.ts";
import { ConsensusDriver, driverOptions } from "./consensusDriver.ts";
import { FullNodeCannotSignError, ValidatorSigner } from "./validatorSigner.ts";
import { recordWal, replayWal } from "./walRecords.ts";

export interface ConsensusServiceOptions {
  chainId: bigint;
  timeouts: TimeoutConfig;
  /** The validator key, or null for a full node that follows consensus but never signs. */
  validatorKey: Hex | null;
}

export interface ConsensusServiceModules {
  chain: Pick<Chain, "height" | "validators" | "buildBlock" | "validateBlock" | "commitBlock">;
  verifier: MessageVerifier;
  signState: Pick<SignStateStore, "sign">;
  wal: Pick<Wal, "append" | "replay">;
  /** Gossips an encoded vote / proposal message; failures are the publisher's to log. */
  publishVote(data: Uint8Array): void;
  publishProposal(data: Uint8Array): void;
  /** A double sign the engine saw: the evidence service verifies, keeps and gossips it. */
  reportEvidence(evidence: DuplicateVoteEvidence): void;
  logger: ServiceLogger;
}

/**
 * Runs consensus for this node: the pure engine, the driver that performs its actions, this validator's
 * sign-state guarded signatures and the WAL that lets a restart resume the current height.
 */
export class ConsensusService {
  readonly self: Address | null;
  private readonly engine: ConsensusEngine<Block>;
  private readonly driver: ConsensusDriver<Block>;

  constructor(
    opts: ConsensusServiceOptions,
    private readonly modules: ConsensusServiceModules,
  ) {
    const { chain, logger } = modules;
    const self = opts.validatorKey ? privateKeyToAddress(opts.validatorKey) : null;
    this.self = self;
    this.engine = createEngine<Block>({
      chainId: opts.chainId,
      self,
      timeouts: opts.timeouts,
      verifier: modules.verifier,
    });
    const signer = new ValidatorSigner(
      { chainId: opts.chainId, key: opts.validatorKey },
      { signState: modules.signState },
    );
    this.driver = new ConsensusDriver<Block>(
      this.engine,
      {
        signVote: (vote) => signer.signVote(vote),
        signProposal: (proposal) => signer.signProposal(proposal),
        broadcastVote: (vote) => modules.publishVote(encodeVote(vote)),
        broadcastProposal: (proposal, block) =>
          modules.publishProposal(encodeProposalMessage(proposal, block)),
        buildBlock: (height) => {
          if (!self) throw new FullNodeCannotSignError("a full node does not propose");
          return chain.buildBlock(height, self);
        },
        validateBlock: (height, value) => chain.validateBlock(height, value),
        commitBlock: (value, commit) => chain.commitBlock(value, commit),
        recordWal: (event) => recordWal(modules.wal, event),
        reportEvidence: (evidence) => modules.reportEvidence(evidence),
        onError: (err, context) => logger.error({ err: errorMessage(err), context }, "consensus error"),
        setTimer: (ms, fire) => {
          const timer = setTimeout(fire, ms);
          return () => clearTimeout(timer);
        },
        now: () => performance.now(),
      },
      driverOptions(opts.timeouts.commitMs),
    );
  }

  get height(): number {
    return this.engine.height;
  }

  get round(): number {
    return this.engine.round;
  }

  /** Joins consensus above the chain's head, first replaying what the WAL recorded of that height. */
  async start(): Promise<void> {
    const { chain, wal, logger } = this.modules;
    const height = chain.height + 1;
    this.driver.start(height, chain.validators);
    this.driver.replay(await replayWal(wal, height, logger));
  }

  /** Moves on to the height above the chain's head after block sync went past the engine. */
  followChain(): void {
    const { chain } = this.modules;
    this.driver.submit({ kind: "startHeight", height: chain.height + 1, validators: chain.validators });
  }

  /**
   * Whether a gossiped vote or proposal can matter now. Sets change only at epoch boundaries, so the current set
   * also judges head + 2; a message that misses it (a new validator's first votes) is ignored, not punished, and
   * reaches us again through catch-up.
   */
  relevant(height: number, signer: Address): boolean {
    const { chain } = this.modules;
    return height > chain.height && height <= chain.height + 2 && chain.validators.has(signer);
  }

  /** Input from gossip; the gossip validator has decoded and checked the signature already. */
  submitVote(vote: Vote): void {
    this.driver.submit({ kind: "vote", vote });
  }

  submitProposal(message: { proposal: Proposal; block: Block }): void {
    this.driver.submit({ kind: "proposal", ...message });
  }

  /** Input from a peer's catch-up answer; throws on an undecodable item. */
  submitCatchUpItem(bytes: Uint8Array): void {
    const item = decodeCatchUpItem(bytes);
    this.driver.submit(
      item.kind === "vote"
        ? { kind: "vote", vote: item.vote }
        : { kind: "proposal", proposal: item.proposal, block: item.block },
    );
  }

  /** The catch-up req/resp answer: what a peer needs to rejoin `height`, if that is the height we are at. */
  catchUpItems(height: number): Uint8Array[] {
    if (height !== this.engine.height) return [];
    const state = this.engine.catchUp();
    return [
      ...state.proposals.map((p) => encodeCatchUpItem({ kind: "proposal", ...p })),
      ...state.votes.map((vote) => encodeCatchUpItem({ kind: "vote", vote })),
    ];
  }

  stop(): void {
    this.driver.stop();
  }
}
