import "./polyfill.ts";
import { join } from "node:path";
import { createRpcBackend } from "./api/rpcBackend.ts";
import { createApplication } from "./app/index.ts";
import { Chain } from "./chain/chain.ts";
import { ConsensusDriver } from "./chain/consensusDriver.ts";
import { storedValidatorSetAt } from "./chain/validatorSets.ts";
import { CheckpointCoordinator, CheckpointService } from "./checkpoint/index.ts";
import type { Genesis } from "./config/genesis.ts";
import { genesisHash } from "./config/genesis.ts";
import type { NodeConfig } from "./config/nodeConfig.ts";
import { createEngine } from "./consensus/engine.ts";
import type { EngineEvent } from "./consensus/messages.ts";
import { secp256k1Verifier } from "./consensus/verifier.ts";
import {
  type Address,
  type Hex,
  privateKeyToAddress,
  proposalDigest,
  signDigest,
  voteDigest,
} from "./crypto/index.ts";
import { ClaimPool, createDepositConfirmer, type DepositConfirmer, DepositIntake } from "./deposits/index.ts";
import { CheckpointTracker, createL1Reader } from "./l1/index.ts";
import { createMempool } from "./mempool/index.ts";
import type { Logger } from "./observability/logger.ts";
import { NodeMetrics } from "./observability/metrics.ts";
import { loadOrCreatePeerKey, Network } from "./p2p/index.ts";
import { createRpcServer } from "./rpc/index.ts";
import {
  ChainStore,
  openDatabase,
  SignStateStore,
  SignStep,
  signStepOfVote,
  Wal,
  WalKind,
} from "./storage/index.ts";
import { syncFromPeers } from "./sync/blockSync.ts";
import { encodeSyncItem } from "./sync/wire.ts";
import { type Block, decodeVote, encodeVote, signCheckpoint } from "./types/index.ts";
import {
  decodeCatchUpItem,
  decodeProposalMessage,
  decodeTimeout,
  encodeCatchUpItem,
  encodeProposalMessage,
  encodeTimeout,
} from "./types/wireMessages.ts";
import { errorMessage } from "./util/errors.ts";

export interface NodeOptions {
  home: string;
  config: NodeConfig;
  genesis: Genesis;
  /** The validator key, or null for a full node. */
  validatorKey: Hex | null;
  clientVersion: string;
}

export interface NodeModules {
  logger: Logger;
}

export interface RunningNode {
  readonly rpcUrl: string;
  readonly wsUrl: string;
  readonly peerId: string;
  readonly p2pAddrs: string[];
  height(): number;
  stop(): Promise<void>;
}

const MAX_BLOCK_TXS = 2_000;
const MAX_BLOCK_TX_BYTES = 2 * 1024 * 1024;
/** How long a starting node waits for a first peer before it syncs and joins consensus. */
const PEER_WAIT_MS = 5_000;
/** A node that has not committed for this many block intervals asks its peers for blocks and votes. */
const STALL_INTERVALS = 4;
/** How long a checkpoint signature that arrives before this node ends the epoch waits for it to. */
const EARLY_CHECKPOINT_SIGNATURE_WAIT_MS = 5_000;
/** How often the node reads L1 for checkpoint submissions (RPC's L1 status). */
const L1_POLL_MS = 2_000;

/**
 * Wires the node: storage, application, mempool, chain, consensus, p2p, sync and RPC. This is the only module
 * that knows all the parts; each of them talks to the others through what is passed in here.
 */
export async function startNode(opts: NodeOptions, modules: NodeModules): Promise<RunningNode> {
  const { config, genesis, logger } = { ...opts, ...modules };
  const self: Address | null = opts.validatorKey ? privateKeyToAddress(opts.validatorKey) : null;
  const metrics = new NodeMetrics();
  const cleanups: (() => Promise<void> | void)[] = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch (err) {
        logger.warn({ err: errorMessage(err) }, "error while stopping");
      }
    }
  };
  try {
    const db = await openDatabase(join(opts.home, "data"));
    cleanups.push(() => db.close());
    const store = new ChainStore({}, { db });
    const stored = await store.loadState();
    const app = createApplication(genesis, stored.length > 0 ? stored : null);
    const mempool = createMempool(
      {
        maxTxs: 10_000,
        maxPerSender: 64,
        maxTxBytes: 128 * 1024,
        priceBumpPercent: 10,
        baseFee: app.params.baseFee,
      },
      {
        checkTx: (raw) => app.checkTx(raw),
        account: (a) => ({ nonce: app.nonce(a), balance: app.balance(a) }),
      },
    );
    // Checkpoints exist only for a chain with an L1 to verify them; they need the chain's head, set just below.
    let headHeight = () => 0;
    const l1 = genesis.l1;
    const claims = new ClaimPool(() => app.nextDepositNonce());
    const l1Reader =
      l1 !== null && config.l1RpcUrl !== null
        ? createL1Reader({
            url: config.l1RpcUrl,
            chainId: l1.chainId,
            bridge: l1.bridge,
            checkpointManager: l1.checkpointManager,
            confirmations: l1.confirmations,
          })
        : null;
    if (l1Reader !== null) cleanups.push(() => l1Reader.close());
    if (l1 !== null && l1Reader === null && self !== null) {
      logger.warn(
        "no l1RpcUrl: this validator cannot confirm deposits and will prevote nil on blocks with claims",
      );
    }
    const confirmer: DepositConfirmer | null = l1Reader === null ? null : createDepositConfirmer(l1Reader);
    const checkpointTracker =
      l1 !== null && l1Reader !== null ? new CheckpointTracker(l1.deploymentBlock, l1Reader) : null;
    const checkpointService =
      l1 === null
        ? null
        : new CheckpointService(
            {
              sidechainId: genesis.chainId,
              epochLength: genesis.epochLength,
              domain: { l1ChainId: l1.chainId, checkpointManager: l1.checkpointManager },
            },
            {
              headHeight: () => headHeight(),
              hashAt: (height) => store.hashAt(height),
              async validatorsAt(height) {
                const set = await storedValidatorSetAt(store, height);
                if (!set) return null;
                return {
                  validators: set.validators.map(({ address, power }) => ({ address, power })),
                  hash: set.hash(),
                };
              },
              withdrawal: (id) => app.withdrawal(id),
              nextWithdrawalId: () => app.nextWithdrawalId(),
            },
          );
    let checkpoints: CheckpointCoordinator | null = null;
    const chain = await Chain.open(
      {
        chainId: genesis.chainId,
        genesisHash: genesisHash(genesis),
        genesisTime: genesis.genesisTime,
        maxClockDriftMs: genesis.maxClockDriftMs,
        maxBlockTxs: MAX_BLOCK_TXS,
        maxBlockTxBytes: MAX_BLOCK_TX_BYTES,
      },
      {
        store,
        app,
        mempool,
        verifier: secp256k1Verifier,
        now: Date.now,
        checkpoints:
          checkpointService === null
            ? null
            : {
                certified: (number) => checkpoints?.certified(number) ?? null,
                includedProblem: (certified, number) => checkpointService.includedProblem(certified, number),
              },
        deposits:
          confirmer === null
            ? null
            : { ready: (max) => claims.ready(max), check: (claim) => confirmer.check(claim) },
      },
    );
    headHeight = () => chain.height;
    const signState = await SignStateStore.open({ db });
    const wal = await Wal.open({ db });
    logger.info({ height: chain.height, validator: self, home: opts.home }, "chain opened");

    const network = await Network.create(
      {
        listen: config.p2pListen,
        bootstrap: config.bootstrap,
        privateKey: await loadOrCreatePeerKey(opts.home),
        chainId: genesis.chainId,
      },
      { logger: logger.child({ part: "p2p" }) },
    );
    cleanups.push(() => network.stop());
    logger.info({ peerId: network.peerId, listen: network.host.multiaddrs() }, "p2p listening");

    const engine = createEngine<Block>({
      chainId: genesis.chainId,
      self,
      timeouts: genesis.timeouts,
      verifier: secp256k1Verifier,
    });
    const key = opts.validatorKey;
    const driver = new ConsensusDriver<Block>(
      engine,
      {
        async signVote(vote) {
          if (!key) throw new Error("a full node cannot sign");
          const digest = voteDigest({ chainId: genesis.chainId, ...vote });
          const signature = await signState.sign(
            {
              height: vote.height,
              round: vote.round,
              step: signStepOfVote(vote.type),
              blockHash: vote.blockHash,
              digest,
            },
            (d) => signDigest(d, key),
          );
          return { ...vote, signature };
        },
        async signProposal(proposal) {
          if (!key) throw new Error("a full node cannot sign");
          const digest = proposalDigest({ chainId: genesis.chainId, ...proposal });
          const signature = await signState.sign(
            {
              height: proposal.height,
              round: proposal.round,
              step: SignStep.Propose,
              blockHash: proposal.blockHash,
              digest,
            },
            (d) => signDigest(d, key),
          );
          return { ...proposal, signature };
        },
        broadcastVote: (vote) => void network.gossip.publish("vote", encodeVote(vote)).catch(logPublishError),
        broadcastProposal: (proposal, block) =>
          void network.gossip
            .publish("proposal", encodeProposalMessage(proposal, block))
            .catch(logPublishError),
        buildBlock: (height) => {
          if (!self) throw new Error("a full node does not propose");
          return chain.buildBlock(height, self);
        },
        validateBlock: (height, value) => chain.validateBlock(height, value),
        commitBlock: (value, commit) => chain.commitBlock(value, commit),
        recordWal: (event) => recordWal(wal, event),
        reportEvidence: (evidence) =>
          logger.warn(
            { validator: evidence.voteA.validator, height: evidence.voteA.height },
            "duplicate vote seen",
          ),
        onError: (err, context) => logger.error({ err: errorMessage(err), context }, "consensus error"),
        setTimer: (ms, fire) => {
          const timer = setTimeout(fire, ms);
          return () => clearTimeout(timer);
        },
      },
      { commitTimeoutMs: genesis.timeouts.commitMs },
    );
    cleanups.push(() => driver.stop());
    function logPublishError(err: unknown) {
      logger.warn({ err: errorMessage(err) }, "gossip publish failed");
    }

    let syncing = true;
    let lastCommitAt = Date.now();
    let lastBlockTime = 0;
    chain.onCommitted(({ block, blockHash }) => {
      claims.prune();
      metrics.pendingDepositClaims.set(claims.size);
      metrics.mintedDeposits.inc(block.depositClaims.length);
      const prevTime = lastBlockTime;
      lastBlockTime = block.header.time;
      lastCommitAt = Date.now();
      metrics.height.set(block.header.height);
      metrics.committedTxs.inc(block.txs.length);
      metrics.mempoolSize.set(mempool.size);
      if (prevTime > 0) metrics.blockInterval.observe((block.header.time - prevTime) / 1000);
      logger.info(
        {
          height: block.header.height,
          hash: blockHash,
          txs: block.txs.length,
          ...(block.depositClaims.length > 0 ? { deposits: block.depositClaims.length } : {}),
          proposer: block.header.proposer,
        },
        "committed block",
      );
    });

    // Gossip: every payload is decoded and its signature checked before gossipsub forwards it.
    // Sets change only at epoch boundaries, so the current set also judges head + 2; a message that misses
    // it (a new validator's first votes) is ignored, not punished, and reaches us again through catch-up.
    const relevant = (height: number, signer: Address) =>
      height > chain.height && height <= chain.height + 2 && chain.validators.has(signer);
    network.gossip.setValidator("vote", async (data) => {
      try {
        const vote = decodeVote(data);
        if (!relevant(vote.height, vote.validator)) return "ignore";
        return secp256k1Verifier.voteSigner(genesis.chainId, vote) === vote.validator ? "accept" : "reject";
      } catch {
        return "reject";
      }
    });
    network.gossip.onMessage("vote", (data) => driver.submit({ kind: "vote", vote: decodeVote(data) }));
    network.gossip.setValidator("proposal", async (data) => {
      try {
        const { proposal } = decodeProposalMessage(data);
        if (!relevant(proposal.height, proposal.proposer)) return "ignore";
        return secp256k1Verifier.proposalSigner(genesis.chainId, proposal) === proposal.proposer
          ? "accept"
          : "reject";
      } catch {
        return "reject";
      }
    });
    network.gossip.onMessage("proposal", (data) =>
      driver.submit({ kind: "proposal", ...decodeProposalMessage(data) }),
    );
    network.gossip.setValidator("tx", async (data) => {
      try {
        mempool.add(data);
        return "accept";
      } catch (err) {
        const code = (err as { code?: string }).code;
        return code === "invalid" || code === "too-large" ? "reject" : "ignore";
      }
    });
    mempool.onAdded((tx) => void network.gossip.publish("tx", tx.raw).catch(logPublishError));
    const intake = new DepositIntake({
      pool: claims,
      confirmer,
      publish: (data) => void network.gossip.publish("deposit-claim", data).catch(logPublishError),
    });
    network.gossip.setValidator("deposit-claim", (data) => intake.validateGossip(data));

    if (checkpointService !== null && l1 !== null) {
      const domain = checkpointService.opts.domain;
      const coordinator = new CheckpointCoordinator(
        { earlySignatureWaitMs: EARLY_CHECKPOINT_SIGNATURE_WAIT_MS },
        {
          service: checkpointService,
          signer:
            key && self
              ? { address: self, sign: (checkpoint) => signCheckpoint(checkpoint, domain, key) }
              : null,
          publish: (data) => void network.gossip.publish("checkpoint-sig", data).catch(logPublishError),
          headHeight: () => chain.height,
          onCertified: ({ checkpoint, signatures }) =>
            logger.info({ number: checkpoint.number, signers: signatures.length }, "checkpoint certified"),
        },
      );
      checkpoints = coordinator;
      network.gossip.setValidator("checkpoint-sig", (data) => coordinator.validate(data));
      network.gossip.onMessage("checkpoint-sig", (data) => coordinator.onMessage(data));
      chain.onCommitted(({ block }) => {
        const height = block.header.height;
        const last = block.checkpoints.at(-1);
        if (last) coordinator.included(last.checkpoint.number);
        if (height % genesis.epochLength !== 0) return;
        // A node replaying old epochs does not sign them: those checkpoints were settled without it.
        void coordinator
          .onEpochEnd(height / genesis.epochLength, !syncing)
          .catch((err: unknown) => logger.warn({ err: errorMessage(err) }, "checkpoint signing failed"));
      });
    }

    await network.reqresp.handleBlocks(async function* (from, count) {
      const to = Math.min(chain.height, from + count - 1);
      if (from > to) return;
      for (const item of await store.encodedBlocksRange(from, to))
        yield encodeSyncItem(item.block, item.commit);
    });
    await network.reqresp.handleCatchUp(async (height) => {
      if (height !== engine.height) return [];
      const state = engine.catchUp();
      return [
        ...state.proposals.map((p) => encodeCatchUpItem({ kind: "proposal", ...p })),
        ...state.votes.map((vote) => encodeCatchUpItem({ kind: "vote", vote })),
      ];
    });

    const peers = () => network.peers().map((p) => p.id);
    const sync = async () => {
      const result = await syncFromPeers(
        {
          peers,
          requestBlocks: (peer, from, count) => network.reqresp.requestBlocks(peer, from, count),
          apply: (block, commit) => chain.applyCertified(block, commit),
          height: () => chain.height,
          penalise: (peer, reason) => logger.warn({ peer, reason }, "peer served a bad block"),
          progress: (p) => logger.info(p, "sync progress"),
        },
        Date.now,
      );
      if (result.applied > 0) {
        metrics.syncedBlocks.inc(result.applied);
        logger.info(result, "sync done");
      }
      return result;
    };
    const catchUp = async () => {
      const height = chain.height + 1;
      for (const peer of peers()) {
        try {
          for (const bytes of await network.reqresp.requestCatchUp(peer, height)) {
            const item = decodeCatchUpItem(bytes);
            driver.submit(
              item.kind === "vote"
                ? { kind: "vote", vote: item.vote }
                : { kind: "proposal", proposal: item.proposal, block: item.block },
            );
          }
        } catch (err) {
          logger.debug({ peer, err: errorMessage(err) }, "catch-up request failed");
        }
      }
    };

    const rpcBackend = createRpcBackend(
      {
        chainId: genesis.chainId,
        clientVersion: opts.clientVersion,
        minGasPrice: genesis.minGasPrice,
        blockGasLimit: 30_000_000n,
        epochLength: genesis.epochLength,
      },
      {
        chain,
        store,
        app,
        mempool,
        checkpoints: checkpointService,
        l1,
        claims,
        intake,
        checkpointL1: checkpointTracker === null ? null : (number) => checkpointTracker.status(number),
        status: () => ({
          syncing,
          highestKnownHeight: null,
          peers: network.host.peerCount(),
          validator: self,
        }),
      },
    );
    const rpc = await createRpcServer(
      {
        host: config.rpcHost,
        port: config.rpcPort,
        extraRoutes: {
          "/metrics": async (_req, res) => {
            res.setHeader("Content-Type", metrics.registry.contentType);
            res.end(await metrics.registry.metrics());
          },
        },
      },
      { backend: rpcBackend, logger: logger.child({ part: "rpc" }) },
    );
    cleanups.push(() => rpc.close());
    logger.info({ url: rpc.url, ws: rpc.wsUrl }, "RPC listening");

    // Join: wait briefly for a peer, fetch what we missed, resume the height from the WAL, then catch up.
    await waitFor(() => config.bootstrap.length === 0 || network.host.peerCount() > 0, PEER_WAIT_MS);
    await sync();
    syncing = false;
    const height = chain.height + 1;
    driver.start(height, chain.validators);
    driver.replay(await replayWal(wal, height, logger));
    await catchUp();

    const watchdog = setInterval(
      () => {
        metrics.peers.set(network.host.peerCount());
        metrics.round.set(engine.round);
        if (Date.now() - lastCommitAt < STALL_INTERVALS * Math.max(genesis.timeouts.commitMs, 500)) return;
        void (async () => {
          const before = chain.height;
          const { applied } = await sync();
          if (applied > 0 && chain.height > before)
            driver.submit({ kind: "startHeight", height: chain.height + 1, validators: chain.validators });
          await catchUp();
        })().catch((err: unknown) => logger.warn({ err: errorMessage(err) }, "stall recovery failed"));
      },
      Math.max(genesis.timeouts.commitMs, 500),
    );
    cleanups.push(() => clearInterval(watchdog));
    if (checkpointTracker !== null) {
      const poll = setInterval(() => {
        metrics.pendingDepositClaims.set(claims.size);
        void (async () => {
          await checkpointTracker.refresh();
          const certified = await store.latestCheckpointNumber();
          metrics.checkpointsNotOnL1.set(Math.max(0, certified - checkpointTracker.lastSubmitted()));
        })().catch((err: unknown) => logger.debug({ err: errorMessage(err) }, "L1 checkpoint scan failed"));
      }, L1_POLL_MS);
      cleanups.push(() => clearInterval(poll));
    }

    return {
      rpcUrl: rpc.url,
      wsUrl: rpc.wsUrl,
      peerId: network.peerId,
      p2pAddrs: network.host.multiaddrs(),
      height: () => chain.height,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function recordWal(wal: Wal, event: EngineEvent<Block>): Promise<void> {
  switch (event.kind) {
    case "vote":
      await wal.append(event.vote.height, { kind: WalKind.Vote, data: encodeVote(event.vote) });
      return;
    case "proposal":
      await wal.append(event.proposal.height, {
        kind: WalKind.Proposal,
        data: encodeProposalMessage(event.proposal, event.block),
      });
      return;
    case "timeout":
      await wal.append(event.height, { kind: WalKind.Timeout, data: encodeTimeout(event) });
      return;
    default:
      return;
  }
}

async function replayWal(wal: Wal, height: number, logger: Logger): Promise<EngineEvent<Block>[]> {
  const events: EngineEvent<Block>[] = [];
  for (const record of await wal.replay(height)) {
    try {
      if (record.kind === WalKind.Vote || record.kind === WalKind.OwnVote)
        events.push({ kind: "vote", vote: decodeVote(record.data) });
      else if (record.kind === WalKind.Proposal || record.kind === WalKind.OwnProposal)
        events.push({ kind: "proposal", ...decodeProposalMessage(record.data) });
      else if (record.kind === WalKind.Timeout)
        events.push({ kind: "timeout", ...decodeTimeout(record.data) });
    } catch (err) {
      logger.warn({ seq: record.seq, err: errorMessage(err) }, "skipping unreadable WAL entry");
    }
  }
  if (events.length > 0) logger.info({ height, events: events.length }, "resuming height from the WAL");
  return events;
}

async function waitFor(condition: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
}
