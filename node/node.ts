import "./util/polyfill.ts";
import { resolve } from "node:path";
import { startNodeRpc } from "./api/nodeRpc.ts";
import { openApplication } from "./app/index.ts";
import { Chain } from "./chain/chain.ts";
import { createCheckpointSources } from "./chain/checkpointSources.ts";
import { ConsensusService } from "./chain/consensusService.ts";
import { storedValidatorSetAt } from "./chain/validatorSets.ts";
import { createCheckpointing } from "./checkpoint/checkpointing.ts";
import { EpochDuty } from "./checkpoint/epochDuty.ts";
import { checkpointSignatureSource } from "./checkpoint/regossip.ts";
import { DEFAULT_SIGNATURE_FETCH, SignatureFetch } from "./checkpoint/signatureFetch.ts";
import { type Genesis, genesisHash } from "./config/genesis.ts";
import type { NodeConfig } from "./config/nodeConfig.ts";
import { NODE_TUNABLES } from "./config/nodeTunables.ts";
import {
  blockIntervalMs,
  chainOptions,
  checkpointingOptions,
  rpcLimits,
  syncOptions,
  topicHandlersOptions,
} from "./config/serviceOptions.ts";
import { createCachingVerifier } from "./consensus/cachingVerifier.ts";
import { secp256k1Verifier } from "./consensus/verifier.ts";
import { type Hex, keccak256Backend, secp256k1Backend } from "./crypto/index.ts";
import {
  ClaimFetch,
  ClaimPool,
  createDepositConfirmer,
  DEFAULT_CLAIM_FETCH,
  DepositIntake,
  depositClaimSource,
  depositsForBlocks,
} from "./deposits/index.ts";
import {
  createEvidenceCheck,
  DEFAULT_EVIDENCE_POOL,
  DEFAULT_EVIDENCE_SERVICE,
  EvidencePool,
  EvidenceService,
} from "./evidence/index.ts";
import { connectL1 } from "./l1/index.ts";
import { L1Watcher } from "./l1/l1Watcher.ts";
import { DEFAULT_TX_ADMISSION, LocalTxJournal, TxAdmission } from "./mempool/index.ts";
import { createNodeMempool } from "./mempool/nodeMempool.ts";
import { ChainMonitor } from "./observability/chainMonitor.ts";
import type { Logger } from "./observability/logger.ts";
import { NodeMetrics } from "./observability/metrics.ts";
import { metricsRoute } from "./observability/metricsRoute.ts";
import {
  DEFAULT_HELD_GOSSIP,
  DEFAULT_PEER_GUARD,
  HeldGossip,
  loadOrCreatePeerKey,
  Network,
} from "./p2p/index.ts";
import { createPublisher, TopicHandlers } from "./p2p/topicHandlers.ts";
import {
  ChainStore,
  EvidenceStore,
  openDatabase,
  SignStateStore,
  TxJournalStore,
  Wal,
} from "./storage/index.ts";
import { SyncService } from "./sync/syncService.ts";
import { serveMetrics } from "./util/metricsServer.ts";
import { StopStack } from "./util/stopStack.ts";

export interface NodeOptions {
  home: string;
  config: NodeConfig;
  genesis: Genesis;
  /** The validator key, or null for a full node. */
  validatorKey: Hex | null;
  clientVersion: string;
  /** A fault-injection hook (cli/run/testFaults.ts), set only when the process runs under a fault test. */
  afterBlockWrite?: (height: number) => void;
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
  /** Settles with the error when the chain halts (ChainHaltError): the process should stop and exit non-zero. */
  readonly halted: Promise<Error>;
  stop(): Promise<void>;
}

/**
 * Wires the node: constructs each part in dependency order, hands each the others it talks to, and stops them in
 * reverse order. This is the only module that knows all the parts; what they do lives in their own folders.
 */
export async function startNode(opts: NodeOptions, modules: NodeModules): Promise<RunningNode> {
  const { config, genesis, logger } = { ...opts, ...modules };
  const { chainId, epochLength, l1 } = genesis;
  let halt: (err: Error) => void = () => {};
  const halted = new Promise<Error>((resolve) => {
    halt = resolve;
  });
  const stops = new StopStack(logger);
  try {
    const metrics = new NodeMetrics();
    const db = await openDatabase(resolve(opts.home, config.dataDir));
    stops.push(() => db.close());
    const store = new ChainStore({}, { db });
    const app = await openApplication(genesis, store.stateReader());
    const mempool = createNodeMempool(app);
    const admission = new TxAdmission(DEFAULT_TX_ADMISSION, { mempool });
    const claims = new ClaimPool(() => app.nextDepositNonce());
    const l1Link = await connectL1(
      { url: config.l1RpcUrl, l1, validator: opts.validatorKey !== null },
      {
        logger,
        onRequest: (call) => metrics.l1Requests.inc({ call }),
        onBusy: () => metrics.l1Busy.inc(),
      },
    );
    if (l1Link !== null) stops.push(() => l1Link.reader.close());
    const confirmer = l1Link === null ? null : createDepositConfirmer(l1Link.reader);

    const network = await Network.create(
      {
        listen: config.p2pListen,
        bootstrap: config.persistentPeers,
        dialOnlyBootstrap: config.p2pDialOnlyPersistentPeers,
        privateKey: await loadOrCreatePeerKey(opts.home),
        chainId,
        genesisHash: genesisHash(genesis),
        peerGuard: DEFAULT_PEER_GUARD,
      },
      {
        logger: logger.child({ part: "p2p" }),
        peerEvents: {
          penalty: (cause) => metrics.penalties.inc({ cause }),
          disconnected: (reason) => metrics.peersDisconnected.inc({ reason }),
        },
      },
    );
    stops.push(() => network.stop());
    logger.info({ peerId: network.peerId, listen: network.host.multiaddrs() }, "p2p listening");
    const publish = createPublisher(network.gossip, logger);

    // The checkpoint sources read the head of the chain, which is opened after them.
    const head = { height: () => 0 };
    const checkpointingOpts = checkpointingOptions(genesis, opts.validatorKey);
    const checkpointing =
      checkpointingOpts === null
        ? null
        : createCheckpointing(checkpointingOpts, {
            sources: createCheckpointSources(() => head.height(), { store, app }),
            publish: (data) => publish("checkpoint-sig", data),
            logger,
          });
    // One verifier for gossip validation, the engine and the chain, so each signature is recovered once.
    const verifier = createCachingVerifier(
      { capacity: NODE_TUNABLES.verifierCacheSize },
      { inner: secp256k1Verifier },
    );
    const evidence = new EvidenceService(DEFAULT_EVIDENCE_SERVICE, {
      pool: new EvidencePool(DEFAULT_EVIDENCE_POOL),
      keeper: new EvidenceStore({ db }),
      check: createEvidenceCheck(chainId, {
        setAt: (height) => storedValidatorSetAt(store, height),
        verifier,
        appProblem: (validator, height, at) => app.evidenceProblem(validator, height, at),
      }),
      height: () => head.height(),
      publish: (data) => publish("evidence", data),
      logger: logger.child({ part: "evidence" }),
    });
    const chain = await Chain.open(chainOptions(genesis), {
      store,
      app,
      mempool,
      verifier,
      now: Date.now,
      checkpoints: checkpointing?.forBlocks ?? null,
      deposits: confirmer === null ? null : depositsForBlocks(claims, confirmer),
      evidence: evidence.forBlocks,
      onInvalidBlock: (height, blockHash, reason) =>
        logger.warn({ height, blockHash, reason }, "refused a proposed block"),
      onHalt: (err) => halt(err),
      ...(opts.afterBlockWrite ? { afterBlockWrite: opts.afterBlockWrite } : {}),
    });
    head.height = () => chain.height;

    const consensus = new ConsensusService(
      { chainId, timeouts: genesis.timeouts, validatorKey: opts.validatorKey },
      {
        chain,
        verifier,
        signState: await SignStateStore.open({ db }),
        wal: await Wal.open({ db }),
        publishVote: (data) => publish("vote", data),
        publishProposal: (data) => publish("proposal", data),
        reportEvidence: (e) => void evidence.report(e),
        logger,
      },
    );
    stops.push(() => consensus.stop());
    logger.info(
      {
        height: chain.height,
        validator: consensus.self,
        home: opts.home,
        secp256k1: `${secp256k1Backend.name} (${secp256k1Backend.description})`,
        keccak256: `${keccak256Backend.name} (${keccak256Backend.description})`,
      },
      "chain opened",
    );
    const sync = new SyncService(syncOptions(genesis, config), {
      reqresp: network.reqresp,
      peers: () => network.peers().map((p) => p.id),
      chain,
      blocksRange: (from, to) => store.encodedBlocksRange(from, to),
      consensus,
      syncedBlocks: metrics.syncedBlocks,
      penalise: (peer) => network.penalties.add(peer, "bad-block"),
      logger,
      now: Date.now,
    });
    stops.push(() => sync.stop());
    const intake = new DepositIntake({
      pool: claims,
      confirmer,
      publish: (data) => publish("deposit-claim", data),
    });

    const journal = new LocalTxJournal({ store: new TxJournalStore({ db }), admission, mempool, logger });
    await journal.replay();
    stops.start(journal);
    stops.push(chain.onCommitted(({ receipts }) => journal.included(receipts.map((r) => r.txHash))));
    stops.push(chain.onCommitted(() => claims.prune()));
    await evidence.restore();
    stops.push(chain.onCommitted(({ block }) => void evidence.committedBlock(block)));
    stops.start(evidence);
    stops.start(
      new ChainMonitor(
        { sampleEveryMs: blockIntervalMs(genesis), stallAlarmMs: config.stallAlarmSeconds * 1000 },
        {
          chain,
          metrics,
          mempool,
          admission,
          claims,
          evidence,
          standings: () =>
            app.validatorSet().map(({ address }) => ({
              address,
              stake: app.stakeOf(address),
              ...app.signingInfo(address),
            })),
          host: network.host,
          consensus,
          logger,
          now: Date.now,
        },
      ),
    );
    if (checkpointing !== null) {
      stops.start(
        new EpochDuty(
          { epochLength },
          {
            coordinator: checkpointing.coordinator,
            chain,
            sync,
            resume: { headHeight: () => chain.height, includedNumber: () => store.latestCheckpointNumber() },
            logger,
          },
        ),
      );
    }
    stops.start(
      new TopicHandlers(topicHandlersOptions(genesis), {
        gossip: network.gossip,
        verifier,
        consensus,
        mempool,
        admission,
        publish,
        depositClaims: { validate: (data) => intake.validateGossip(data) },
        evidence: { validate: (data) => evidence.validateGossip(data) },
        checkpointSignatures: checkpointing?.coordinator ?? null,
      }),
    );
    // What the bridge's gossip may have lost: sent again, and asked of peers (DESIGN §3, §5).
    stops.start(
      new HeldGossip(DEFAULT_HELD_GOSSIP, {
        sources: [
          ...(checkpointing === null ? [] : [checkpointSignatureSource(checkpointing.coordinator)]),
          depositClaimSource(claims),
        ],
        publish,
        now: Date.now,
        onSent: (topic, bytes) => {
          metrics.regossipMessages.inc({ topic });
          metrics.regossipBytes.inc({ topic }, bytes);
        },
      }),
    );
    const peerIds = () => network.peers().map((p) => p.id);
    if (checkpointing !== null) {
      stops.start(
        new SignatureFetch(DEFAULT_SIGNATURE_FETCH, {
          coordinator: checkpointing.coordinator,
          reqresp: network.reqresp,
          peers: peerIds,
          stored: (number) => store.checkpoint(number),
          now: Date.now,
          logger,
          onFetched: (n) => metrics.fetchedHeld.inc({ kind: "checkpoint-signatures" }, n),
        }),
      );
    }
    stops.start(
      new ClaimFetch(DEFAULT_CLAIM_FETCH, {
        intake,
        pool: claims,
        nextNonce: () => app.nextDepositNonce(),
        reqresp: network.reqresp,
        peers: peerIds,
        now: Date.now,
        logger,
        onFetched: (n) => metrics.fetchedHeld.inc({ kind: "deposit-claims" }, n),
      }),
    );

    const rpc = await startNodeRpc(
      {
        host: config.rpcHost,
        port: config.rpcPort,
        corsOrigins: config.rpcCorsOrigins,
        genesis,
        clientVersion: opts.clientVersion,
        extraRoutes: { "/metrics": metricsRoute(metrics) },
        limits: rpcLimits(config),
      },
      {
        chain,
        store,
        app,
        mempool,
        // Through the journal: an accepted transaction is on disk before the sender hears so.
        admission: journal,
        checkpoints: checkpointing?.service ?? null,
        l1,
        claims,
        intake,
        heldEvidence: () => evidence.held(),
        checkpointL1: l1Link === null ? null : (number) => l1Link.tracker.status(number),
        status: () => ({
          syncing: sync.syncing,
          highestKnownHeight: null,
          peers: network.host.peerCount(),
          validator: consensus.self,
        }),
        logger: logger.child({ part: "rpc" }),
        onLimited: (limit) => metrics.rpcLimited.inc({ limit }),
      },
    );
    stops.push(() => rpc.close());
    logger.info({ url: rpc.url, ws: rpc.wsUrl }, "RPC listening");
    if (config.metricsPort !== null) {
      const metricsServer = await serveMetrics(metrics.registry, {
        host: config.metricsHost,
        port: config.metricsPort,
      });
      stops.push(() => metricsServer.close());
      logger.info({ url: metricsServer.url }, "metrics listening");
    }

    await sync.start();
    if (l1Link !== null) {
      stops.start(
        new L1Watcher(
          { pollMs: NODE_TUNABLES.l1PollMs },
          {
            tracker: l1Link.tracker,
            latestCertifiedNumber: () => store.latestCheckpointNumber(),
            pendingClaims: () => claims.size,
            metrics,
            logger,
          },
        ),
      );
    }

    return {
      rpcUrl: rpc.url,
      wsUrl: rpc.wsUrl,
      peerId: network.peerId,
      p2pAddrs: network.host.multiaddrs(),
      height: () => chain.height,
      halted,
      stop: () => stops.stopAll(),
    };
  } catch (err) {
    await stops.stopAll();
    throw err;
  }
}
