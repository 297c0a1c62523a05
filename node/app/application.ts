import {
  type Address,
  bytesToHex,
  type Hex,
  hexToBytes,
  keccak256Hex,
  recoverSigner,
} from "../crypto/index.ts";
import { MAX_TXS_PER_BLOCK } from "../types/index.ts";
import { WorkBudget } from "../util/workBudget.ts";
import { GAS_POOL_ADDRESS, STAKING_ADDRESS, SYSTEM_CODE, ZERO_ADDRESS } from "./addresses.ts";
import { nextBaseFee } from "./baseFee.ts";
import { systemTargetOf } from "./calls.ts";
import { type DepositExecution, executeDepositClaims } from "./deposits.ts";
import { AppError } from "./errors.ts";
import { createChainCommon } from "./evm/chainCommon.ts";
import { createEvmRunner, type EvmOutcome, type EvmRunner, endedInRevert } from "./evm/evmRunner.ts";
import { minimumGasLimit } from "./evm/intrinsicGas.ts";
import {
  type BlockContext,
  type BlockEnv,
  checkExecutable,
  executeTransaction,
  type TxExecution,
} from "./execute.ts";
import { type AppGenesis, initialState, validateAppGenesis } from "./genesisState.ts";
import type { Application, CallRequest, ExecutionResult } from "./interface.ts";
import { type ChainParams, epochOf, isEpochEnd } from "./params.ts";
import { missedInWindow } from "./signingWindow.ts";
import { applyPunishments, evidenceProblem } from "./slashing.ts";
import { applyEpochEnd, unbondingSummary } from "./staking.ts";
import { LedgerState, META_BASE_FEE, type WithdrawalRecord } from "./state.ts";
import { chainAppHash, collectWrites, loadState, withAppHash } from "./stateCodec.ts";
import type { StateReader } from "./stateReader.ts";
import { StoredLedger, type StoredLedgerOptions, touchedKeys } from "./storedState.ts";
import {
  type AppTx,
  decodeTransaction,
  type RecoveredSigner,
  type SignerRecovery,
  upfrontCost,
  withRecoveredSigners,
} from "./transaction.ts";
import { TxCache } from "./txCache.ts";

export interface ApplicationModules {
  /** Sender recovery; secp256k1 unless a test counts recoveries. */
  recoverSigner?: SignerRecovery;
  /** A committed block's hash, for the EVM's BLOCKHASH; without it BLOCKHASH answers zero. */
  blockHash?: (height: number) => Promise<Hex | null>;
  /** The clock eth_call and eth_estimateGas take as the next block's time (unix ms). */
  now?: () => number;
}

const TX_CACHE_SIZE = 50_000;

/**
 * The ledger behind its ABCI-like boundary, held wholly in memory. `loaded` is every entry of a state bucket,
 * or null to start from genesis (whose writes snapshotWrites() then returns). A node uses openApplication.
 */
export function createApplication(
  genesis: AppGenesis,
  loaded: Iterable<readonly [Uint8Array, Uint8Array]> | null,
  modules: ApplicationModules = {},
): Application {
  const params = validateAppGenesis(genesis);
  if (loaded === null) {
    const init = initialState(genesis);
    return ledgerApplication(
      params,
      { root: init.state, committedHash: init.appHash, ledger: null },
      modules,
    );
  }
  const restored = loadState(loaded);
  if (restored.state.validators.entries().length === 0)
    throw new AppError("invalid-state", "state has no validators");
  return ledgerApplication(
    params,
    { root: restored.state, committedHash: restored.appHash, ledger: null },
    modules,
  );
}

/**
 * The ledger over the node's stored state: nothing is loaded whole but the small tables (storedState.ts), so
 * start-up time and memory do not grow with the accounts. Reads go through a bounded cache to the store; a
 * block's writes reach the store in the chain's batch, and commit(result) must follow that write. On a store
 * without state the genesis state is held in memory (snapshotWrites() returns it for the chain to store) until
 * the first block commits.
 */
export async function openApplication(
  genesis: AppGenesis,
  reader: StateReader,
  opts: StoredLedgerOptions = {},
  modules: ApplicationModules = {},
): Promise<Application> {
  const params = validateAppGenesis(genesis);
  const ledger = await StoredLedger.open(reader, opts);
  const root = new LedgerState(ledger);
  const storedHash = ledger.storedAppHash();
  if (storedHash === null) {
    // Copied, not re-applied on the overlay: an overlay records deletions, which would change the genesis writes.
    const init = initialState(genesis);
    const from = init.state.tables();
    root.tables().forEach((table, i) => {
      for (const [key, value] of from[i]?.changes() ?? []) if (value !== null) table.set(key, value);
    });
    return ledgerApplication(params, { root, committedHash: init.appHash, ledger }, modules);
  }
  if (!ledger.hasHeight()) throw new AppError("invalid-state", "state has no height entry");
  if (root.validators.entries().length === 0) throw new AppError("invalid-state", "state has no validators");
  return ledgerApplication(params, { root, committedHash: storedHash, ledger }, modules);
}

interface OpenedLedger {
  /** The committed state: a root in memory, or an overlay over the stored ledger that commits empty into it. */
  root: LedgerState;
  committedHash: Hex;
  ledger: StoredLedger | null;
}

function ledgerApplication(
  params: ChainParams,
  opened: OpenedLedger,
  modules: ApplicationModules,
): Application {
  const { root, ledger } = opened;
  let committedHash = opened.committedHash;
  const pending = new WeakMap<ExecutionResult, LedgerState>();
  const cache = new TxCache(TX_CACHE_SIZE);
  const common = createChainCommon(params.chainId);
  const now = modules.now ?? Date.now;
  const recover = modules.recoverSigner ?? recoverSigner;
  const decode = (raw: Uint8Array, hash?: Hex, recovered?: RecoveredSigner) =>
    cache.getOrDecode(
      raw,
      (r, h) =>
        decodeTransaction(r, params, recovered ? withRecoveredSigners(recovered, recover) : recover, h),
      hash,
    );

  const baseFee = () => root.meta.get(META_BASE_FEE) ?? params.baseFee;

  /** A block's environment; its EVM is created once, when a transaction first needs it. */
  function blockEnv(ctx: BlockContext): BlockEnv {
    let evm: Promise<EvmRunner> | null = null;
    const env: BlockEnv = {
      ...ctx,
      baseFee: baseFee(),
      gasLimit: params.blockGasLimit,
      evm: () => {
        evm ??= createEvmRunner(
          { common, params, block: env },
          { blockHash: modules.blockHash, recoverSigner: modules.recoverSigner },
        );
        return evm;
      },
    };
    return env;
  }

  function startBlock(ctx: BlockContext): LedgerState {
    const expected = root.height() + 1;
    if (ctx.height !== expected) {
      throw new AppError(
        "wrong-height",
        `cannot execute height ${ctx.height}: the next height is ${expected}`,
      );
    }
    const block = root.child();
    block.setHeight(ctx.height);
    return block;
  }

  function finishBlock(
    block: LedgerState,
    env: BlockEnv,
    deposits: DepositExecution[],
    executions: TxExecution[],
    gasUsed: bigint,
  ): ExecutionResult {
    const next = nextBaseFee(env.baseFee, gasUsed, env.gasLimit, params.baseFee);
    // Written only when it moves, so a chain of idle blocks at the floor writes nothing.
    if (next !== env.baseFee) block.meta.set(META_BASE_FEE, next);
    const validatorUpdates = isEpochEnd(env.height, params.epochLength) ? applyEpochEnd(block) : null;
    const writes = collectWrites(block);
    const appHash = chainAppHash(committedHash, writes);
    const result: ExecutionResult = {
      height: env.height,
      parentAppHash: committedHash,
      appHash,
      // Deposit transactions come first in the block, as the OP Stack places them (DESIGN.md §4).
      receipts: [...deposits.map((d) => d.receipt), ...executions.map((e) => e.receipt)],
      txResults: executions.map((e) => e.result),
      stateWrites: withAppHash(writes, appHash),
      validatorUpdates,
      withdrawals: withdrawalsRecorded(block),
      deposits: deposits.map((d) => d.record),
      gasUsed,
      baseFee: env.baseFee,
    };
    pending.set(result, block);
    return result;
  }

  /** The block's withdrawals, read from its state: a withdrawal in a reverted call never reached it. */
  function withdrawalsRecorded(block: LedgerState): WithdrawalRecord[] {
    const records: WithdrawalRecord[] = [];
    for (let id = root.nextWithdrawalId(); id < block.nextWithdrawalId(); id++) {
      const record = block.withdrawal(id);
      if (record !== undefined) records.push(record);
    }
    return records;
  }

  /**
   * Runs a call as a transaction of the next block would, on a scratch overlay of `state`: eth_call and
   * eth_estimateGas. Nothing is charged for gas.
   */
  async function simulate(
    state: LedgerState,
    request: CallRequest,
    gasLimit: bigint,
    budget: WorkBudget,
  ): Promise<EvmOutcome> {
    // Lowercase as our types are; JSON-RPC clients may send checksummed addresses or uppercase hex.
    const from = (request.from ?? ZERO_ADDRESS).toLowerCase() as Address;
    const to = request.to === null ? null : (request.to.toLowerCase() as Address);
    const data = hexToBytes((request.data ?? "0x").toLowerCase());
    const value = request.value ?? 0n;
    // geth's wording: the call could not start, which is not a revert (ethers tells the two apart).
    if (value > 0n && state.account(from).balance < value) {
      throw new AppError("insufficient-funds", "insufficient funds for transfer");
    }
    const accessList = (request.accessList ?? []).map((e) => ({
      address: e.address.toLowerCase() as Address,
      storageKeys: e.storageKeys.map((k) => k.toLowerCase() as Hex),
    }));
    const authorizationList = request.authorizationList ?? [];
    const minimum = minimumGasLimit({ to, data, accessList, authorizations: authorizationList.length });
    if (gasLimit < minimum) {
      throw new AppError("tx-intrinsic-gas", `intrinsic gas too low: gas ${gasLimit}, need ${minimum}`);
    }
    const scratch = state.child();
    const block = {
      height: root.height() + 1,
      time: now(),
      proposer: ZERO_ADDRESS,
      baseFee: baseFee(),
      gasLimit: params.blockGasLimit,
    };
    const evm = await createEvmRunner(
      { common, params, block, budget },
      { blockHash: modules.blockHash, recoverSigner: modules.recoverSigner },
    );
    return evm.run(scratch, {
      from,
      to,
      nonce: scratch.account(from).nonce,
      value,
      data,
      gasLimit,
      gasPrice: 0n,
      accessList,
      authorizationList,
    });
  }

  /** Runs `work` on the committed state as it is now, which blocks committing meanwhile do not change. */
  async function onPinnedState<T>(work: (state: LedgerState) => Promise<T>): Promise<T> {
    const pinned = root.pinnedChild();
    try {
      return await work(pinned.state);
    } finally {
      pinned.release();
    }
  }

  /**
   * geth's answers: a REVERT is "reverted" with its data (code 3), any other fault (out of gas, invalid opcode) a
   * plain failure with the EVM's reason (-32000).
   */
  function callFailure(outcome: EvmOutcome): AppError {
    if (endedInRevert(outcome))
      return new AppError("reverted", outcome.error ?? "execution reverted", { data: outcome.returnData });
    return new AppError("invalid-call", outcome.error ?? "execution failed");
  }

  /** What a call may use: the caller's gas, at most a block's, as geth caps it (its RPC gas cap). */
  function callGas(request: CallRequest): bigint {
    const gas = request.gas ?? params.blockGasLimit;
    // biome-ignore lint/complexity/useMathMinMax: Math.min takes no bigints.
    return gas < params.blockGasLimit ? gas : params.blockGasLimit;
  }

  async function estimate(state: LedgerState, request: CallRequest, budget: WorkBudget): Promise<bigint> {
    const cap = callGas(request);
    const first = await simulate(state, request, cap, budget);
    if (first.status === 0) {
      // geth's wording when even the cap does not suffice.
      if (first.error === "out of gas")
        throw new AppError("invalid-call", `gas required exceeds allowance (${cap})`);
      throw callFailure(first);
    }
    // The 63/64 rule and refunds can make a call need more than it used: search as geth does, from what it used.
    const succeeds = async (gas: bigint) => {
      try {
        return (await simulate(state, request, gas, budget)).status === 1;
      } catch (err) {
        if (err instanceof AppError && err.code === "tx-intrinsic-gas") return false;
        throw err;
      }
    };
    if (await succeeds(first.gasUsed)) return first.gasUsed;
    let low = first.gasUsed;
    let high = cap;
    while (low + 1n < high) {
      const mid = (low + high) / 2n;
      if (await succeeds(mid)) high = mid;
      else low = mid;
    }
    return high;
  }

  return {
    params,
    height: () => root.height(),
    appHash: () => committedHash,
    baseFee,

    decodeTx: (raw, recovered) => decode(raw, undefined, recovered),

    checkTx(raw, hash) {
      try {
        const tx = decode(raw, hash);
        const account = root.account(tx.from);
        if (tx.nonce < account.nonce) {
          throw new AppError(
            "nonce-too-low",
            `nonce too low: address ${tx.from}, tx ${tx.nonce}, state ${account.nonce}`,
          );
        }
        const current = baseFee();
        if (tx.maxFeePerGas < current) {
          throw new AppError(
            "tx-underpriced",
            `transaction underpriced: fee cap ${tx.maxFeePerGas} below the base fee ${current}`,
          );
        }
        if (tx.gasLimit > params.blockGasLimit) {
          throw new AppError(
            "tx-gas-limit",
            `exceeds block gas limit: gas limit ${tx.gasLimit}, block gas limit ${params.blockGasLimit}`,
          );
        }
        const cost = upfrontCost(tx);
        if (account.balance < cost) {
          throw new AppError(
            "insufficient-funds",
            `insufficient funds for gas * price + value: address ${tx.from} have ${account.balance} want ${cost}`,
          );
        }
        return { ok: true, tx };
      } catch (err) {
        if (err instanceof AppError) return { ok: false, error: err };
        throw err;
      }
    },

    async executeBlock(ctx, txs, depositClaims = [], known) {
      if (txs.length > MAX_TXS_PER_BLOCK) {
        throw new AppError(
          "invalid-block",
          `block has ${txs.length} transactions, over ${MAX_TXS_PER_BLOCK}`,
        );
      }
      const block = startBlock(ctx);
      const env = blockEnv(ctx);
      const deposits = executeDepositClaims(block, depositClaims, ctx.height, params.gasGrant);
      // After the deposits, before the transactions, as Cosmos punishes in BeginBlock.
      applyPunishments(block, ctx, params);
      const executions: TxExecution[] = [];
      let gasUsed = 0n;
      for (const [index, raw] of txs.entries()) {
        try {
          const hash = keccak256Hex(raw);
          const tx = known?.(hash) ?? decode(raw, hash);
          checkExecutable(block, tx, env, gasUsed);
          const execution = await executeTransaction(block, tx, env, GAS_POOL_ADDRESS, gasUsed);
          gasUsed = execution.receipt.cumulativeGasUsed;
          executions.push(execution);
        } catch (err) {
          if (!(err instanceof AppError)) throw err;
          throw new AppError("invalid-block", `invalid block ${ctx.height}: tx ${index}: ${err.message}`, {
            cause: err,
            txIndex: index,
          });
        }
      }
      return finishBlock(block, env, deposits, executions, gasUsed);
    },

    async buildBlock(ctx, candidates, depositClaims = [], full) {
      const block = startBlock(ctx);
      const env = blockEnv(ctx);
      const deposits = executeDepositClaims(block, depositClaims, ctx.height, params.gasGrant);
      applyPunishments(block, ctx, params);
      const executions: TxExecution[] = [];
      const included: Uint8Array[] = [];
      const rejected: { index: number; error: AppError }[] = [];
      let gasUsed = 0n;
      for (const [index, tx] of candidates.entries()) {
        if (included.length >= MAX_TXS_PER_BLOCK || full?.()) break;
        try {
          // Checked first so that a rejected candidate leaves the block untouched.
          checkExecutable(block, tx, env, gasUsed);
          const execution = await executeTransaction(block, tx, env, GAS_POOL_ADDRESS, gasUsed);
          gasUsed = execution.receipt.cumulativeGasUsed;
          executions.push(execution);
          included.push(tx.raw);
        } catch (err) {
          if (!(err instanceof AppError)) throw err;
          rejected.push({ index, error: err });
        }
      }
      return { txs: included, result: finishBlock(block, env, deposits, executions, gasUsed), rejected };
    },

    commit(result) {
      const block = pending.get(result);
      if (block === undefined)
        throw new AppError("stale-result", "commit of a result this app did not produce");
      if (result.parentAppHash !== committedHash || result.height !== root.height() + 1) {
        throw new AppError(
          "stale-result",
          `result for height ${result.height} builds on ${result.parentAppHash}, committed is ${committedHash} at ${root.height()}`,
        );
      }
      if (ledger !== null) {
        // The cache may only ever hold what the store holds: a commit before its block's write would let it run ahead.
        const stored = ledger.storedAppHash();
        if (stored !== result.appHash) {
          throw new AppError(
            "stale-result",
            `commit of height ${result.height} before its writes are stored: the store's appHash is ${stored}`,
          );
        }
      }
      block.mergeIntoParent();
      if (ledger !== null) {
        root.mergeIntoParent();
        ledger.committed();
      }
      committedHash = result.appHash;
      pending.delete(result);
    },

    async prefetch(txs, depositClaims = [], proposer = null, known) {
      if (ledger === null) return;
      const decoded: AppTx[] = [];
      for (const tx of txs) {
        if (!(tx instanceof Uint8Array)) decoded.push(tx);
        else {
          try {
            const hash = keccak256Hex(tx);
            decoded.push(known?.(hash) ?? decode(tx, hash));
          } catch (err) {
            // Execution reports the transaction; the keys of the others are still worth reading.
            if (!(err instanceof AppError)) throw err;
          }
        }
      }
      const isToken = (address: Address) => root.tokens.get(address) !== undefined;
      await ledger.prefetch(touchedKeys(decoded, depositClaims, proposer, isToken));
    },

    evidenceProblem: (validator, evidenceHeight, blockHeight) =>
      evidenceProblem(root, validator, evidenceHeight, blockHeight, params),

    snapshotWrites: () => withAppHash(collectWrites(root), committedHash),

    balance(address) {
      const own = root.account(address).balance;
      if (address !== STAKING_ADDRESS) return own;
      // The staking contract holds what is staked and unbonding, so eth_getBalance shows the locked supply.
      return own + lockedInStaking(root);
    },
    nonce: (address) => root.account(address).nonce,
    code(address) {
      if (systemTargetOf(root, address) !== null) return SYSTEM_CODE;
      return bytesToHex(root.codeOf(address));
    },
    storageAt: (address, slot) => root.storageAt(address, slot),
    async call(request, budget = WorkBudget.unbounded()) {
      const outcome = await onPinnedState((state) => simulate(state, request, callGas(request), budget));
      if (outcome.status === 0) throw callFailure(outcome);
      return outcome.returnData;
    },
    estimateGas: (request, budget = WorkBudget.unbounded()) =>
      onPinnedState((state) => estimate(state, request, budget)),
    tokens: () => root.tokens.entries().map(([, t]) => t),
    token: (address) => root.tokens.get(address) ?? null,
    tokenBalance: (token, holder) => root.tokenBalance(token, holder),
    validatorSet: () =>
      root.validators.entries().map(([address, power]) => ({ address: address as Address, power })),
    stakeOf: (address) => root.stake(address),
    unbondingOf: (address) =>
      unbondingSummary(root.unbondingOf(address), epochOf(root.height() + 1, params.epochLength)),
    signingInfo(address) {
      const info = root.signingInfo(address);
      return {
        jailed: info.jailed,
        jailedUntil: info.jailedUntil,
        slashed: info.slashed,
        // Block H counted the votes of H - 1, its lastCommit.
        missedInWindow: missedInWindow(info, root.height() - 1, params.slashing.signedBlocksWindow),
        punishedThrough: info.punishedThrough,
      };
    },
    withdrawal: (id) => root.withdrawal(id) ?? null,
    nextWithdrawalId: () => root.nextWithdrawalId(),
    nextDepositNonce: () => root.nextDepositNonce(),
    deposit: (nonce) => root.deposit(nonce) ?? null,
    async nativeSupply() {
      let total = lockedInStaking(root);
      if (ledger === null) {
        for (const [, account] of root.accounts.entries()) total += account.balance;
        return total;
      }
      for await (const account of ledger.storedAccounts()) total += account.balance;
      return total;
    },
  };
}

function lockedInStaking(state: LedgerState): bigint {
  let total = 0n;
  for (const [, amount] of state.stakes.entries()) total += amount;
  for (const [, entries] of state.unbonding.entries()) for (const e of entries) total += e.amount;
  return total;
}
