import type { Common } from "@ethereumjs/common";
import { createEVM, type EVM, EVMError, type EVMRunCallOpts, type Message } from "@ethereumjs/evm";
import { bigIntToBytes, Address as EvmAddress, generateAddress } from "@ethereumjs/util";
import { type Address, bytesToHex, type Hex, hexToBytes } from "../../crypto/index.ts";
import type { Log } from "../../types/index.ts";
import type { WorkBudget } from "../../util/workBudget.ts";
import { decodeRevertReason } from "../abi.ts";
import type { ChainParams } from "../params.ts";
import type { LedgerState } from "../state.ts";
import type { AccessListEntry, AuthorizationTuple, SignerRecovery } from "../transaction.ts";
import { chargedGas, intrinsicGas } from "./intrinsicGas.ts";
import { KZG_POINT_EVALUATION_ADDRESS, kzgPointEvaluationUnavailable } from "./kzgPrecompile.ts";
import { LedgerStateManager } from "./ledgerStateManager.ts";
import { applyAuthorizations } from "./setCode.ts";
import { fromEvmLog, systemPrecompile } from "./systemPrecompiles.ts";

type EvmBlock = NonNullable<EVMRunCallOpts["block"]>;

/** The block an EVM run belongs to, as its opcodes see it. */
export interface EvmBlockContext {
  height: number;
  /** Unix milliseconds (the header's time); TIMESTAMP is its seconds. */
  time: number;
  proposer: Address;
  baseFee: bigint;
  gasLimit: bigint;
}

export interface EvmRunnerModules {
  /** The hash of a committed block (BLOCKHASH), or null when the node does not have it. */
  blockHash?: (height: number) => Promise<Hex | null>;
  /** Recovers EIP-7702 authorities; node/crypto's by default. */
  recoverSigner?: SignerRecovery;
}

/** A message to run as a transaction would: intrinsic gas, the nonce, refunds and EIP-7623's floor apply. */
export interface EvmMessage {
  from: Address;
  /** Null creates a contract from `data`. */
  to: Address | null;
  nonce: bigint;
  value: bigint;
  data: Uint8Array;
  gasLimit: bigint;
  /** What each unit of gas costs the sender; 0 for eth_call. */
  gasPrice: bigint;
  accessList?: readonly AccessListEntry[];
  /** EIP-7702: delegations set after the sender's nonce is used, before the call. */
  authorizationList?: readonly AuthorizationTuple[];
}

export interface EvmOutcome {
  status: 0 | 1;
  /** Charged: intrinsic + execution - capped refund, at least the floor. */
  gasUsed: bigint;
  logs: Log[];
  /** Return data, or revert data when the call failed. */
  returnData: Hex;
  /** The EVM's reason for a failure ("revert", "out of gas", "invalid opcode", ...), or null. */
  error: string | null;
  /** For a creation: the new contract's address (set also when the creation failed, as Ethereum's receipts). */
  contractAddress: Address | null;
}

/**
 * Runs transactions and calls through @ethereumjs/evm over ledger overlays. One runner serves one block (or one
 * eth_call): the EVM keeps per-run state (warm sets, the journal), so concurrent runs get their own.
 */
export interface EvmRunner {
  /**
   * Executes `message` on `state` (the block's overlay), whose sender has passed the nonce and funds checks:
   * the whole gas limit is charged up front, the unused part refunded after. Fees beyond that are the caller's.
   */
  run(state: LedgerState, message: EvmMessage): Promise<EvmOutcome>;
  /** Whether the EVM runs code at `address` without it having any: Ethereum's precompiles and the system ones. */
  isPrecompile(address: Address): boolean;
}

const JUMPDEST = 0x5b;
/** JUMPDEST's gas in every hardfork since Frontier. */
const JUMPDEST_GAS = 1;

export async function createEvmRunner(
  opts: {
    common: Common;
    params: ChainParams;
    block: EvmBlockContext;
    /**
     * For calls a stranger asks for (eth_call, eth_estimateGas): the run stops with WorkTimeoutError once the
     * budget is spent, and lets the event loop turn between slices. Never set for block execution.
     */
    budget?: WorkBudget;
  },
  modules: EvmRunnerModules,
): Promise<EvmRunner> {
  const { params, block, budget } = opts;
  const stateManager = new LedgerStateManager();
  let lastMessage: Message | undefined;
  const blockHash = modules.blockHash;
  const evm = await createEVM({
    // A copy: each EVM registers a listener on its Common and sets its parameters there.
    common: opts.common.copy(),
    stateManager,
    customPrecompiles: [{ address: KZG_POINT_EVALUATION_ADDRESS, function: kzgPointEvaluationUnavailable }],
    // Every loop passes a JUMPDEST, so checking the budget there bounds any run's time; the gas is the standard one.
    ...(budget === undefined
      ? {}
      : {
          customOpcodes: [
            {
              opcode: JUMPDEST,
              opcodeName: "JUMPDEST",
              baseFee: JUMPDEST_GAS,
              logicFunction: () => budget.checkpoint(),
            },
          ],
        }),
    blockchain: {
      async getBlock(height: number) {
        const hash = (await blockHash?.(height)) ?? null;
        const bytes = hash === null ? new Uint8Array(32) : hexToBytes(hash, 32);
        return { hash: () => bytes };
      },
      async putBlock() {},
      shallowCopy() {
        return this;
      },
    },
  });
  evm.events.on("beforeMessage", (message: Message) => {
    // Straight-line code reaches no JUMPDEST; each call frame it opens is checked here (a throw ends the run).
    budget?.check();
    lastMessage = message;
  });
  const precompileModules = {
    stateManager,
    currentMessage: () => lastMessage,
    context: () => ({ height: block.height, time: BigInt(Math.floor(block.time / 1000)), params }),
  };
  const systemAddresses = new Set<string>();
  const syncSystemPrecompiles = (state: LedgerState) => {
    // Tokens appear with deposits, so the precompile set follows the state's token table.
    for (const address of state.systemContractAddresses()) {
      if (systemAddresses.has(address)) continue;
      systemAddresses.add(address);
      evm.precompiles.set(address.slice(2), systemPrecompile(address, precompileModules));
    }
  };
  const evmBlock: EvmBlock = {
    header: {
      number: BigInt(block.height),
      coinbase: new EvmAddress(hexToBytes(block.proposer, 20)),
      timestamp: BigInt(Math.floor(block.time / 1000)),
      // No beacon chain: PREVRANDAO is zero, and contracts must not take it for randomness.
      difficulty: 0n,
      prevRandao: new Uint8Array(32),
      gasLimit: block.gasLimit,
      baseFeePerGas: block.baseFee,
      // No blobs here: BLOBBASEFEE answers EIP-4844's minimum.
      getBlobGasPrice: () => 1n,
    },
  };

  return {
    isPrecompile: (address) => evm.precompiles.has(address.slice(2)),

    async run(state, message) {
      syncSystemPrecompiles(state);
      stateManager.beginTransaction(state);
      lastMessage = undefined;
      await evm.journal.cleanup();
      warm(evm, message, block.proposer);
      const authorizations = message.authorizationList ?? [];
      const { intrinsic, floor } = intrinsicGas({ ...message, authorizations: authorizations.length });
      state.addBalance(message.from, -(message.gasLimit * message.gasPrice));
      const setsCode = authorizations.length > 0;
      let authorizationRefund = 0n;
      if (setsCode) {
        // EIP-7702 orders it so: the sender's nonce first (a self-sponsored tuple signs nonce + 1), then the tuples.
        const sender = state.account(message.from);
        state.setAccount(message.from, { ...sender, nonce: sender.nonce + 1n });
        authorizationRefund = applyAuthorizations(state, authorizations, params.chainId, {
          warm: (address) => evm.journal.addAlwaysWarmAddress(address),
          ...(modules.recoverSigner === undefined ? {} : { recover: modules.recoverSigner }),
        });
      }
      const result = await evm.runCall({
        skipNonceIncrement: setsCode,
        caller: new EvmAddress(hexToBytes(message.from, 20)),
        origin: new EvmAddress(hexToBytes(message.from, 20)),
        to: message.to === null ? undefined : new EvmAddress(hexToBytes(message.to, 20)),
        value: message.value,
        data: message.data,
        gasLimit: message.gasLimit - intrinsic,
        gasPrice: message.gasPrice,
        block: evmBlock,
      });
      const exec = result.execResult;
      // EIP-6780: SELFDESTRUCT removes only a contract created in the same transaction.
      for (const address of exec.selfdestruct?.keys() ?? []) {
        if (exec.createdAddresses?.has(address) === true)
          await evm.journal.deleteAccount(new EvmAddress(hexToBytes(address, 20)));
      }
      await evm.journal.cleanup();
      // The tuples' refund stays when the call fails: the delegations it pays for stay too.
      const refund = (exec.gasRefund ?? 0n) + authorizationRefund;
      const gasUsed = chargedGas(intrinsic + exec.executionGasUsed, refund, floor);
      state.addBalance(message.from, (message.gasLimit - gasUsed) * message.gasPrice);
      const failed = exec.exceptionError !== undefined;
      return {
        status: failed ? 0 : 1,
        gasUsed,
        logs: failed ? [] : (exec.logs ?? []).map(fromEvmLog),
        returnData: bytesToHex(exec.returnValue),
        error: failed ? failureText(exec.exceptionError, exec.returnValue) : null,
        contractAddress:
          message.to === null
            ? (bytesToHex(
                generateAddress(hexToBytes(message.from, 20), bigIntToBytes(message.nonce)),
              ) as Address)
            : null,
      };
    },
  };
}

/**
 * Warm from the start (EIP-2929, EIP-3651, EIP-2930): the sender, the target, the block's coinbase, every
 * precompile, and what the access list paid for.
 */
function warm(evm: EVM, message: EvmMessage, coinbase: Address): void {
  evm.journal.addAlwaysWarmAddress(message.from);
  if (message.to !== null) evm.journal.addAlwaysWarmAddress(message.to);
  evm.journal.addAlwaysWarmAddress(coinbase);
  for (const address of evm.precompiles.keys()) evm.journal.addAlwaysWarmAddress(address);
  for (const entry of message.accessList ?? []) {
    evm.journal.addAlwaysWarmAddress(entry.address);
    for (const key of entry.storageKeys) evm.journal.addAlwaysWarmSlot(entry.address, key);
  }
}

const REVERTED = "execution reverted";

/** geth's wording: "execution reverted", with the reason when the revert data is Error(string). */
function failureText(error: EVMError | undefined, returnValue: Uint8Array): string {
  if (error === undefined) return "";
  if (error.error !== EVMError.errorMessages.REVERT) return error.error;
  const reason = decodeRevertReason(bytesToHex(returnValue));
  return reason === null ? REVERTED : `${REVERTED}: ${reason}`;
}

/** Whether a failed run ended in REVERT (with data for the caller) rather than an EVM fault (out of gas, ...). */
export function endedInRevert(outcome: EvmOutcome): boolean {
  return outcome.error?.startsWith(REVERTED) === true;
}
