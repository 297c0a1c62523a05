import { EVMError, type ExecResult, type Message, type PrecompileFunc } from "@ethereumjs/evm";
import { type Address, bytesToHex, type Hex, hexToBytes } from "../../crypto/index.ts";
import type { Log } from "../../types/index.ts";
import { type SystemCallContext, systemCall, systemCallGas, systemTargetOf } from "../calls.ts";
import { Revert, unknownFunction } from "../revert.ts";
import type { LedgerState } from "../state.ts";
import type { LedgerStateManager } from "./ledgerStateManager.ts";

/** What a system precompile needs from the EVM run it serves. */
export interface SystemPrecompileModules {
  stateManager: LedgerStateManager;
  /**
   * The message being executed. The EVM hands a precompile only its calldata and gas, so the caller, value and
   * static flag come from its `beforeMessage` event, which fires for the precompile's own message last.
   */
  currentMessage(): Message | undefined;
  context(): Omit<SystemCallContext, "readOnly">;
}

/**
 * A system contract (a token, the bridge, staking) as an EVM precompile, as Cosmos EVM exposes its modules:
 * contracts and transactions call it like any contract; it runs in TypeScript on the overlay of the EVM's current
 * frame, so a revert of that frame or of any caller undoes its writes.
 */
export function systemPrecompile(address: Address, modules: SystemPrecompileModules): PrecompileFunc {
  return (input) => {
    const state = modules.stateManager.current;
    const target = systemTargetOf(state, address);
    if (target === null) return revert(input.gasLimit, unknownFunction());
    const data = bytesToHex(input.data);
    const gas = systemCallGas(target, data);
    if (input.gasLimit < gas) return outOfGas(input.gasLimit);
    const message = modules.currentMessage();
    // Run in a caller's context, a system contract would write the caller's state as its own.
    if (message === undefined || message.delegatecall) {
      return revert(gas, new Revert("system contract cannot be delegate-called"));
    }
    const call = {
      from: message.caller.toString() as Address,
      value: message.value,
      data,
    };
    // A STATICCALL may read but not write: run on a scratch overlay and fail the frame if anything was written.
    const scratch = message.isStatic ? state.child() : state;
    try {
      const out = systemCall(scratch, target, call, { ...modules.context(), readOnly: message.isStatic });
      if (message.isStatic && (out.logs.length > 0 || hasWrites(scratch))) {
        return revert(gas, new Revert("state change in a static call", "0x"));
      }
      return { returnValue: hexToBytes(out.returnData), executionGasUsed: gas, logs: out.logs.map(toEvmLog) };
    } catch (err) {
      if (err instanceof Revert) return revert(gas, err);
      throw err;
    }
  };
}

function hasWrites(state: LedgerState): boolean {
  return state.tables().some((table) => !table.changes().next().done);
}

function revert(gas: bigint, err: Revert): ExecResult {
  return {
    returnValue: hexToBytes(err.data),
    executionGasUsed: gas,
    exceptionError: new EVMError(EVMError.errorMessages.REVERT),
  };
}

function outOfGas(gasLimit: bigint): ExecResult {
  return {
    returnValue: new Uint8Array(0),
    executionGasUsed: gasLimit,
    exceptionError: new EVMError(EVMError.errorMessages.OUT_OF_GAS),
  };
}

type EvmLog = [address: Uint8Array, topics: Uint8Array[], data: Uint8Array];

function toEvmLog(log: Log): EvmLog {
  return [hexToBytes(log.address, 20), log.topics.map((t) => hexToBytes(t, 32)), hexToBytes(log.data)];
}

/** An EVM log as our receipts hold it (lowercase hex). */
export function fromEvmLog(log: EvmLog): Log {
  const [address, topics, data] = log;
  return {
    address: bytesToHex(address) as Address,
    topics: topics.map((t) => bytesToHex(t) as Hex),
    data: bytesToHex(data) as Hex,
  };
}
