import {
  AppError,
  type ApplicationQuery,
  BRIDGE_ADDRESS,
  bridgedTokenAddress,
  STAKING_ADDRESS,
} from "../app/index.ts";
import type { Chain } from "../chain/chain.ts";
import { storedValidatorSetAt } from "../chain/validatorSets.ts";
import { type CheckpointService, checkpointNumberOf } from "../checkpoint/index.ts";
import type { L1Genesis } from "../config/genesis.ts";
import { type Address, keccak256Hex } from "../crypto/index.ts";
import type { ClaimPool, DepositIntake } from "../deposits/index.ts";
import type { CheckpointL1State } from "../l1/index.ts";
import { type Mempool, MempoolError, type TxAdmission } from "../mempool/index.ts";
import type {
  BlockRecord,
  CallOutcome,
  CallRequest,
  ChainInfo,
  CheckpointRecord,
  DepositView,
  HeldEvidence,
  NodeStatus,
  PendingTxListener,
  PooledTx,
  RpcBackend,
  SendTxResult,
  TxRejection,
} from "../rpc/backend.ts";
import { GENESIS_BLOCK_HASH, type GenesisBlockInfo, genesisBlockRecord } from "../rpc/genesisBlock.ts";
import type { ChainStore } from "../storage/index.ts";
import { type CertifiedCheckpoint, encodeEvidence, type Validator } from "../types/index.ts";

export interface RpcBackendModules {
  chain: Chain;
  store: ChainStore;
  /** The read-only query view: RPC never executes or commits. */
  app: ApplicationQuery;
  mempool: Mempool;
  /** Where sent transactions wait for their check, in line with the peers' (the mempool's one door). */
  admission: Pick<TxAdmission, "admit">;
  /** null when the chain has no L1 (no checkpoints). */
  checkpoints: CheckpointService | null;
  status: () => NodeStatus;
  /** The genesis L1 section; null for a chain without a bridge. */
  l1: L1Genesis | null;
  claims: ClaimPool;
  intake: DepositIntake;
  /** The evidence this node holds for a coming block. */
  heldEvidence: () => HeldEvidence[];
  /** Where a checkpoint stands on L1; null when the node does not follow L1 (then every one reads pending). */
  checkpointL1: ((number: number) => CheckpointL1State) | null;
  /** What block 0, the genesis block, shows (DESIGN §6). */
  genesisBlock: GenesisBlockInfo;
}

/** The RPC server's view of the node, assembled from the parts that own each answer. */
export function createRpcBackend(info: ChainInfo, m: RpcBackendModules): RpcBackend {
  const genesis = genesisBlockRecord(m.genesisBlock);
  const record = async (height: number): Promise<BlockRecord | null> => {
    if (height === 0) return genesis;
    const [block, hash, receipts, baseFee] = await Promise.all([
      m.store.blockByHeight(height),
      m.store.hashAt(height),
      m.store.receiptsAt(height),
      m.store.baseFeeAt(height),
    ]);
    // Blocks stored before the base fee moved paid the genesis minimum.
    return block && hash
      ? { block, hash, receipts: receipts ?? [], baseFee: baseFee ?? info.minGasPrice }
      : null;
  };
  const callOf = (req: CallRequest): Parameters<ApplicationQuery["call"]>[0] => ({
    to: req.to,
    data: req.data,
    value: req.value,
    ...(req.from ? { from: req.from } : {}),
    ...(req.gas !== null ? { gas: req.gas } : {}),
    ...(req.accessList === undefined ? {} : { accessList: req.accessList }),
    ...(req.authorizationList === undefined ? {} : { authorizationList: req.authorizationList }),
  });
  const evaluate = async (
    req: CallRequest,
    run: (c: Parameters<ApplicationQuery["call"]>[0]) => Promise<CallOutcome>,
  ): Promise<CallOutcome> => {
    try {
      return await run(callOf(req));
    } catch (err) {
      if (err instanceof AppError) {
        const revert = err.code === "reverted";
        return {
          ok: false,
          kind: revert ? "revert" : "invalid",
          reason: err.message,
          revertData: revert ? (err.data ?? "0x") : null,
        };
      }
      throw err;
    }
  };
  const checkpointRecord = (certified: CertifiedCheckpoint): CheckpointRecord => ({
    certified,
    l1: m.checkpointL1?.(certified.checkpoint.number) ?? { status: "pending", txHash: null },
  });
  return {
    chain: info,
    headHeight: () => m.chain.height,
    nextBaseFee: () => m.app.baseFee(),
    getBlockByHeight: (height) => (height <= m.chain.height ? record(height) : Promise.resolve(null)),
    async getBlockByHash(hash) {
      if (hash === GENESIS_BLOCK_HASH) return genesis;
      const height = await m.store.heightOfHash(hash);
      return height === null ? null : record(height);
    },
    async getTransaction(hash) {
      const location = await m.store.txLocation(hash);
      if (location) return { kind: "committed", ...location };
      const pending = m.mempool.get(hash);
      return pending ? { kind: "pending", raw: pending.raw, from: pending.from } : null;
    },
    async getTxStatus(hash) {
      const location = await m.store.txLocation(hash);
      if (location) return { hash, status: "committed", blockNumber: location.height, index: location.index };
      const pooled = m.mempool.status(hash);
      if (pooled === null) return null;
      if (pooled.status !== "dropped") return { hash, status: pooled.status };
      const { reason, message, at } = pooled;
      return { hash, status: "dropped", reason, message, droppedAt: at };
    },
    getAccount: async (address: Address) => ({
      balance: m.app.balance(address),
      nonce: m.app.nonce(address),
    }),
    pendingNonce: async (address) => m.mempool.pendingNonce(address),
    getCode: async (address) => m.app.code(address),
    call: (req, budget) =>
      evaluate(req, async (c) => ({ ok: true, returnData: await m.app.call(c, budget), gasUsed: 0n })),
    estimateGas: (req, budget) =>
      evaluate(req, async (c) => ({
        ok: true,
        returnData: "0x",
        gasUsed: await m.app.estimateGas(c, budget),
      })),
    getStorageAt: async (address, slot) => m.app.storageAt(address, slot),
    async sendRawTransaction(raw): Promise<SendTxResult> {
      try {
        return { ok: true, hash: (await m.admission.admit(raw, "local")).hash };
      } catch (err) {
        if (err instanceof MempoolError) return { ok: false, reason: rejection(err), message: err.message };
        if (err instanceof AppError) return { ok: false, reason: "invalid", message: err.message };
        throw err;
      }
    },
    status: async () => m.status(),
    async getValidators(height): Promise<Validator[] | null> {
      if (height === m.chain.height + 1)
        return m.chain.validators.validators.map(({ address, power }) => ({ address, power }));
      if (height < 1 || height > m.chain.height) return null;
      const set = await storedValidatorSetAt(m.store, height);
      return set ? set.validators.map(({ address, power }) => ({ address, power })) : null;
    },
    async getValidatorStanding(address) {
      const { jailed, jailedUntil, slashed, missedInWindow } = m.app.signingInfo(address);
      return { stake: m.app.stakeOf(address), jailed, jailedUntil, slashed, missedInWindow };
    },
    getCommit: (height) => m.store.commitAt(height),
    async getEvidence(height) {
      if (height === null) return m.heldEvidence();
      const block = await m.store.blockByHeight(height);
      return block === null
        ? null
        : block.evidence.map((evidence) => ({ hash: keccak256Hex(encodeEvidence(evidence)), evidence }));
    },
    async getCheckpoint(number) {
      const n = number === "latest" ? await m.store.latestCheckpointNumber() : number;
      if (n < 1) return null;
      const certified = await m.store.checkpoint(n);
      return certified === null ? null : checkpointRecord(certified);
    },
    async getCheckpoints(from, count) {
      return (await m.store.checkpointsRange(from, count)).map(checkpointRecord);
    },
    async getWithdrawalProof(id) {
      const service = m.checkpoints;
      if (service === null) return { kind: "disabled" };
      const record = m.app.withdrawal(id);
      if (record === null) return { kind: "not-found" };
      const checkpointNumber = checkpointNumberOf(record.height, info.epochLength);
      const certified = await m.store.checkpoint(checkpointNumber);
      if (certified === null) return { kind: "not-checkpointed", height: record.height, checkpointNumber };
      const tree = service.withdrawalTree(checkpointNumber);
      const root = certified.checkpoint.withdrawalsRoot;
      if (tree.root !== root)
        throw new Error(`withdrawals of checkpoint ${checkpointNumber} do not match its root`);
      const withdrawal = {
        id: record.id,
        l1Token: record.l1Token,
        l1Recipient: record.l1Recipient,
        amount: record.amount,
      };
      return { kind: "ok", checkpointNumber, withdrawal, proof: tree.proof(id), root };
    },
    async bridgeInfo() {
      const l1 = m.l1;
      if (l1 === null) return null;
      return {
        l1ChainId: l1.chainId,
        checkpointManager: l1.checkpointManager,
        bridge: l1.bridge,
        deploymentBlock: l1.deploymentBlock,
        confirmations: l1.confirmations,
        systemContracts: { bridge: BRIDGE_ADDRESS, staking: STAKING_ADDRESS },
        nextDepositNonce: m.app.nextDepositNonce(),
        nextWithdrawalId: m.app.nextWithdrawalId(),
        tokens: m.app.tokens().flatMap((t) =>
          t.l1Token === null
            ? []
            : [
                {
                  l1Token: t.l1Token,
                  l2Token: t.address,
                  name: t.name,
                  symbol: t.symbol,
                  decimals: t.decimals,
                  totalSupply: t.totalSupply,
                },
              ],
        ),
      };
    },
    async getDeposit(nonce): Promise<DepositView | null> {
      const minted = m.app.deposit(nonce);
      if (minted !== null) return { status: "minted", ...minted };
      const held = m.claims.get(nonce);
      if (held === null) return null;
      const { name: _n, symbol: _s, decimals: _d, ...claim } = held;
      return { status: "pending", ...claim, l2Token: bridgedTokenAddress(held.l1Token), height: null };
    },
    submitDepositClaim: (claim) => m.intake.submit(claim),
    onNewBlock(listener) {
      return m.chain.onCommitted(({ block, blockHash, receipts, baseFee }) =>
        listener({ block, hash: blockHash, receipts, baseFee }),
      );
    },
    onPendingTx: (listener) => onPendingTx(m.mempool, listener),
    txPoolCounts() {
      let pending = 0;
      for (const tx of pooledTxs(m.mempool)) if (tx.executable) pending++;
      return { pending, queued: m.mempool.size - pending };
    },
    txPoolContent: () => pooledTxs(m.mempool),
  };
}

/** Admissions as RPC hears of them; a failing listener never fails the admission. */
export function onPendingTx(mempool: Pick<Mempool, "onAdded">, listener: PendingTxListener): () => void {
  return mempool.onAdded(({ hash, raw, from }) => {
    try {
      listener({ hash, raw, from });
    } catch {
      // The transaction is in the pool already: refusing it now would tell its sender the opposite.
    }
  });
}

/** The pool's transactions with whether each is executable now; a sender's first gap is found once per sender. */
export function pooledTxs(mempool: Pick<Mempool, "inNonceOrder" | "pendingNonce">): PooledTx[] {
  const firstMissing = new Map<Address, bigint>();
  const out: PooledTx[] = [];
  for (const { hash, raw, from, nonce } of mempool.inNonceOrder()) {
    let missing = firstMissing.get(from);
    if (missing === undefined) {
      missing = mempool.pendingNonce(from);
      firstMissing.set(from, missing);
    }
    out.push({ hash, raw, from, nonce, executable: nonce < missing });
  }
  return out;
}

function rejection(err: MempoolError): TxRejection {
  return err.code as TxRejection;
}
