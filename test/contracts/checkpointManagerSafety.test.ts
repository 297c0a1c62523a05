import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { type Contract, ContractFactory } from "ethers";
import { loadArtifact } from "../../contracts/artifacts.ts";
import { MAX_TOTAL_VOTING_POWER } from "../../node/consensus/validatorSet.ts";
import { type Address, type Hex, hashValidatorSet, hexToBytes, signDigest } from "../../node/crypto/index.ts";
import { checkpointMessage, packCheckpointSignatures } from "../../node/types/index.ts";
import type { Checkpoint } from "../../node/types/shapes.ts";
import { revertTo, snapshot } from "./support/chain.ts";
import {
  deployFixture,
  type Fixture,
  nextCheckpoint,
  rawSignatures,
  SIDECHAIN_ID,
  type Submission,
  signedSubmission,
  submit,
  submitArgs,
  submitArgsWithMessage,
  view,
} from "./support/fixture.ts";
import { makeValidators, setHash, type TestValidator } from "./support/keys.ts";
import { expectRevert } from "./support/revert.ts";

/**
 * The holes a security review found in CheckpointManager, each of which could brick the checkpoint chain for
 * good: the 2/3 comparison overflowing for large powers, an end height at the uint64 maximum, and a handover to
 * a set that can never sign.
 */

const UINT64_MAX = 2n ** 64n - 1n;
const POWER = 1_000n;
const setA = makeValidators(4, () => POWER);

interface ManagerState {
  lastCheckpointNumber: bigint;
  lastEndHeight: bigint;
  validatorSetHash: string;
}

async function managerState(manager: Contract): Promise<ManagerState> {
  return {
    lastCheckpointNumber: await view<bigint>(manager, "lastCheckpointNumber"),
    lastEndHeight: await view<bigint>(manager, "lastEndHeight"),
    validatorSetHash: await view<string>(manager, "validatorSetHash"),
  };
}

async function expectRejected(
  manager: Contract,
  args: unknown[],
  error: string,
  errorArgs?: readonly unknown[],
): Promise<void> {
  const before = await managerState(manager);
  await expectRevert(manager.getFunction("submitCheckpoint")(...args), manager.interface, error, errorArgs);
  assert.deepEqual(await managerState(manager), before, "a rejected checkpoint must change nothing");
}

describe("CheckpointManager safety", () => {
  let f: Fixture;
  let clean: string;

  before(async () => {
    f = await deployFixture(setA);
    clean = await snapshot();
  });
  beforeEach(async () => {
    await revertTo(clean);
    clean = await snapshot();
  });
  after(async () => {
    await revertTo(clean);
  });

  /** A CheckpointManager whose stored set is `set`, whatever it holds, with the domain its signatures need. */
  async function managerFor(set: readonly { address: Address; power: bigint }[]) {
    const artifact = await loadArtifact("CheckpointManager");
    const contract = await new ContractFactory(artifact.abi, artifact.bytecode, f.relayer).deploy(
      SIDECHAIN_ID,
      hashValidatorSet(set),
    );
    await contract.waitForDeployment();
    const domain = { ...f.domain, checkpointManager: (await contract.getAddress()).toLowerCase() as Address };
    return { manager: contract as Contract, domain };
  }

  describe("the 2/3 check (defect 2)", () => {
    it("caps the total power at the consensus MAX_TOTAL_POWER", async () => {
      assert.equal(await view<bigint>(f.manager, "MAX_TOTAL_POWER"), MAX_TOTAL_VOTING_POWER);
    });

    it("refuses a stored set above the cap with TotalPowerAboveCap, never an arithmetic panic", async () => {
      const big = makeValidators(3, () => 2n ** 63n);
      const total = 3n * 2n ** 63n;
      const { manager, domain } = await managerFor(big);
      const first = nextCheckpoint(null, { nextValidatorSetHash: setHash(big) });
      await expectRejected(
        manager,
        submitArgs(signedSubmission(first, big, big, domain)),
        "TotalPowerAboveCap",
        [total],
      );
    });

    it("certifies a set at exactly the cap: just below 2/3 is refused, just above accepted", async () => {
      const third = MAX_TOTAL_VOTING_POWER / 3n;
      assert.equal(third * 3n, MAX_TOTAL_VOTING_POWER, "the cap is a multiple of 3");
      const powers = [third - 1n, third, third + 1n];
      const capped = makeValidators(3, (i) => powers[i] ?? 0n);
      const { manager, domain } = await managerFor(capped);
      const first = nextCheckpoint(null, { nextValidatorSetHash: setHash(capped) });
      const [a, b, c] = capped as [TestValidator, TestValidator, TestValidator];
      await expectRejected(
        manager,
        submitArgs(signedSubmission(first, capped, [a, b], domain)),
        "InsufficientSignedPower",
        [2n * third - 1n, MAX_TOTAL_VOTING_POWER],
      );
      await submit(manager, signedSubmission(first, capped, [b, c], domain));
      assert.equal(await view<bigint>(manager, "lastCheckpointNumber"), 1n);
    });
  });

  describe("signer indices", () => {
    it("refuses an index past the set even when what it reads beyond the set matches a failed recovery", async () => {
      // Past the 4 entries come zero padding and a zero length word: "validator" 0, which a recovery that fails
      // (r = 0) leaves in the precompile's output slot. The bound check on the last index must still refuse it.
      const first = nextCheckpoint(null, { nextValidatorSetHash: setHash(setA) });
      const s = signedSubmission(first, setA, [], f.domain);
      const broken = `0x${"00".repeat(32)}${"11".repeat(32)}1b` as Hex;
      await expectRejected(
        f.manager,
        submitArgs({ ...s, ...rawSignatures([{ index: 4, signature: broken }]) }),
        "SignerIndexOutOfRange",
        [0n, 4n],
      );
    });
  });

  describe("the end height (defect 3)", () => {
    it("refuses a checkpoint ending at the uint64 maximum, which would leave no next start height", async () => {
      const first = nextCheckpoint(null, { nextValidatorSetHash: setHash(setA) });
      const message = { ...checkpointMessage(first), endHeight: UINT64_MAX };
      const digest = hexToBytes(await view<Hex>(f.manager, "checkpointDigest", message));
      const packed = packCheckpointSignatures(
        setA.map((v) => v.address),
        setA.map((v) => ({ validator: v.address, signature: signDigest(digest, v.privateKey) })),
      );
      const s: Submission = {
        ...signedSubmission(first, setA, [], f.domain),
        ...packed,
      };
      await expectRejected(f.manager, submitArgsWithMessage(message, s), "InvalidHeightRange", [
        1n,
        UINT64_MAX,
      ]);
      // The largest end height that still leaves a successor is accepted.
      const last = { ...message, endHeight: UINT64_MAX - 1n };
      const lastDigest = hexToBytes(await view<Hex>(f.manager, "checkpointDigest", last));
      const lastPacked = packCheckpointSignatures(
        setA.map((v) => v.address),
        setA.map((v) => ({ validator: v.address, signature: signDigest(lastDigest, v.privateKey) })),
      );
      await (
        await f.manager.getFunction("submitCheckpoint")(
          ...submitArgsWithMessage(last, { ...s, ...lastPacked }),
        )
      ).wait();
      assert.equal(await view<bigint>(f.manager, "lastEndHeight"), UINT64_MAX - 1n);
    });
  });

  describe("a handover to a set that could never sign (defect 4)", () => {
    const [v0, v1, v2] = makeValidators(3, () => POWER).map((v) => ({
      address: v.address,
      power: v.power,
    })) as [
      { address: Address; power: bigint },
      { address: Address; power: bigint },
      { address: Address; power: bigint },
    ];
    const outsider = { address: `0x${"77".repeat(20)}` as Address, power: POWER };

    function handover(next: { address: Address; power: bigint }[]): Submission {
      const checkpoint: Checkpoint = nextCheckpoint(null, { nextValidatorSetHash: hashValidatorSet(next) });
      return { ...signedSubmission(checkpoint, setA, setA, f.domain), nextValidators: next };
    }

    const broken: {
      name: string;
      set: { address: Address; power: bigint }[];
      error: string;
      args: unknown[];
    }[] = [
      { name: "an empty set", set: [], error: "EmptyValidatorSet", args: [] },
      {
        name: "a set with no power at all",
        set: [
          { ...v0, power: 0n },
          { ...v1, power: 0n },
        ],
        error: "ZeroPowerValidator",
        args: [0n],
      },
      {
        name: "a zero-power member",
        set: [v0, { ...v1, power: 0n }, v2],
        error: "ZeroPowerValidator",
        args: [1n],
      },
      { name: "the same address twice", set: [v0, v1, v1, v2], error: "ValidatorsNotSorted", args: [2n] },
      { name: "an unsorted set", set: [v1, v0, v2], error: "ValidatorsNotSorted", args: [1n] },
      {
        name: "a total power above the cap",
        set: [
          { ...v0, power: MAX_TOTAL_VOTING_POWER },
          { ...v1, power: 1n },
        ],
        error: "TotalPowerAboveCap",
        args: [MAX_TOTAL_VOTING_POWER + 1n],
      },
    ];

    for (const b of broken) {
      it(`is refused: ${b.name}`, async () => {
        await expectRejected(f.manager, submitArgs(handover(b.set)), b.error, b.args);
      });
    }

    it("is refused when the carried set is not the one nextValidatorSetHash names", async () => {
      const named = [v0, v1, v2];
      const s = { ...handover(named), nextValidators: [v0, v1, outsider] };
      await expectRejected(f.manager, submitArgs(s), "NextValidatorSetHashMismatch", [
        hashValidatorSet(named),
        hashValidatorSet([v0, v1, outsider]),
      ]);
    });

    it("refuses a next set carried by a checkpoint that keeps the set", async () => {
      const keep = nextCheckpoint(null, { nextValidatorSetHash: setHash(setA) });
      const s = { ...signedSubmission(keep, setA, setA, f.domain), nextValidators: [v0, v1, v2] };
      await expectRejected(f.manager, submitArgs(s), "UnexpectedNextValidatorSet", []);
    });

    it("accepts a sound next set and then certifies with it", async () => {
      const nextSet = makeValidators(3, () => POWER);
      const s = handover(nextSet.map((v) => ({ address: v.address, power: v.power })));
      await submit(f.manager, s);
      assert.equal(await view<string>(f.manager, "validatorSetHash"), setHash(nextSet));
      const second = nextCheckpoint(s.checkpoint, { nextValidatorSetHash: setHash(nextSet) });
      await submit(f.manager, signedSubmission(second, nextSet, nextSet, f.domain));
      assert.equal(await view<bigint>(f.manager, "lastCheckpointNumber"), 2n);
    });
  });
});
