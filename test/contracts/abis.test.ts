import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import {
  type ErrorFragment,
  type EventFragment,
  type Fragment,
  type FunctionFragment,
  Interface,
  type ParamType,
} from "ethers";
import { loadArtifact } from "../../contracts/artifacts.ts";
import {
  CHECKPOINT_MANAGER_ABI,
  CHECKPOINT_MANAGER_ERRORS,
  L1_BRIDGE_ABI,
  L1_BRIDGE_ERRORS,
  L1_ERC20_ABI,
} from "../../node/types/abis.ts";

/**
 * The hand-written L1 ABIs and error lists (node/types/abis.ts) against what solc compiled, so a
 * contract change that would make the node or the relayer encode, decode or call something else fails here.
 * Types, indexing and mutability are compared; parameter names are documentation and may differ.
 */

const types = (params: readonly ParamType[]) => params.map((p) => p.format("sighash"));

function checkFunction(ours: FunctionFragment, compiled: Interface, contract: string): void {
  const theirs = compiled.getFunction(ours.selector);
  assert.ok(theirs, `${contract} has no ${ours.format("sighash")}`);
  assert.equal(theirs.format("sighash"), ours.format("sighash"));
  assert.deepEqual(types(theirs.outputs), types(ours.outputs), `outputs of ${ours.format("sighash")}`);
  // A view declared as a transaction (or the reverse) would make ethers send instead of call.
  assert.equal(theirs.stateMutability, ours.stateMutability, `mutability of ${ours.format("sighash")}`);
}

function checkEvent(ours: EventFragment, compiled: Interface, contract: string): void {
  const theirs = compiled.getEvent(ours.topicHash);
  assert.ok(theirs, `${contract} has no event ${ours.format("sighash")}`);
  // Which fields are topics decides how a log decodes and how it can be filtered.
  const shape = (e: EventFragment) =>
    e.inputs.map((p) => `${p.format("sighash")}${p.indexed ? " indexed" : ""}`);
  assert.deepEqual(shape(theirs), shape(ours), `fields of ${ours.format("sighash")}`);
  assert.equal(theirs.anonymous, ours.anonymous);
}

function checkFragments(fragments: readonly Fragment[], compiled: Interface, contract: string): void {
  for (const fragment of fragments) {
    if (fragment.type === "function") checkFunction(fragment as FunctionFragment, compiled, contract);
    else if (fragment.type === "event") checkEvent(fragment as EventFragment, compiled, contract);
    else if (fragment.type === "error") {
      const { selector } = fragment as ErrorFragment;
      assert.ok(compiled.getError(selector), `${contract} has no ${fragment.format("sighash")}`);
    } else assert.fail(`unexpected ${fragment.type} fragment in the ${contract} ABI`);
  }
}

async function compiledInterface(name: string, source?: string): Promise<Interface> {
  const artifact = await loadArtifact(name, source === undefined ? {} : { source });
  return new Interface(artifact.abi);
}

describe("hand-written L1 ABIs match the compiled contracts", () => {
  let bridge: Interface;
  let manager: Interface;
  let token: Interface;

  before(async () => {
    [bridge, manager, token] = await Promise.all([
      compiledInterface("Bridge"),
      compiledInterface("CheckpointManager"),
      compiledInterface("TestToken", "test/TestToken"),
    ]);
  });

  for (const [label, abi, which] of [
    ["L1_BRIDGE_ABI", L1_BRIDGE_ABI, "Bridge"],
    ["CHECKPOINT_MANAGER_ABI", CHECKPOINT_MANAGER_ABI, "CheckpointManager"],
    ["L1_ERC20_ABI", L1_ERC20_ABI, "TestToken"],
    ["L1_BRIDGE_ERRORS", L1_BRIDGE_ERRORS, "Bridge"],
    ["CHECKPOINT_MANAGER_ERRORS", CHECKPOINT_MANAGER_ERRORS, "CheckpointManager"],
  ] as const) {
    it(`${label} against ${which}`, () => {
      const compiled = which === "Bridge" ? bridge : which === "CheckpointManager" ? manager : token;
      const ours = new Interface(abi).fragments;
      assert.equal(ours.length, abi.length, `every line of ${label} parses to one fragment`);
      checkFragments(ours, compiled, which);
    });
  }

  it("catches a drifted fragment (the check itself works)", () => {
    const drifted = new Interface([
      "function lastCheckpointNumber() view returns (uint256)",
      "event Deposited(uint256 nonce, address indexed token, address indexed from, address to, uint256 amount, string name, string symbol, uint8 decimals)",
    ]).fragments;
    assert.throws(() => checkFragments([drifted[0] as Fragment], manager, "CheckpointManager"), /outputs/);
    assert.throws(() => checkFragments([drifted[1] as Fragment], bridge, "Bridge"), /fields/);
    const unknownError = new Interface(["error CheckpointNumberGap(uint64 expected, uint64 actual)"])
      .fragments;
    assert.throws(() => checkFragments(unknownError, manager, "CheckpointManager"), /has no/);
  });
});
