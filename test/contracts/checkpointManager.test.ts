import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { type Contract, ContractFactory } from "ethers";
import { loadArtifact } from "../../contracts/artifacts.ts";
import {
  type Address,
  bytesToHex,
  type Hex,
  hashValidatorSet,
  hexToBytes,
  packValidatorSetHex,
  privateKeyToAddress,
} from "../../node/crypto/index.ts";
import {
  type CheckpointDomainParams,
  checkpointHash,
  checkpointMessage,
  signCheckpoint,
} from "../../node/types/index.ts";
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
  view,
} from "./support/fixture.ts";
import { makeValidators, setHash, type TestValidator, testKey } from "./support/keys.ts";
import { ANY, expectRevert } from "./support/revert.ts";

// Powers chosen so that {0, 3} hold exactly 2/3 of the total and {2, 3} hold 2/3 plus one wei.
// Powers are whole tokens (stake / 10^18) and the total stays under MAX_TOTAL_POWER, as the sidechain guarantees.
const X = 10n ** 15n;
const [P0, P1, P2, P3] = [X, X, X + 1n, 3n * X + 2n];
const POWERS = [P0, P1, P2, P3];
const TOTAL = POWERS.reduce((a, b) => a + b, 0n);
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

const setA = makeValidators(4, (i) => POWERS[i] ?? 0n);
const setB = makeValidators(7).map((v, i) => ({ ...v, power: BigInt(i + 1) * X }));

interface ManagerState {
  lastCheckpointNumber: bigint;
  lastEndHeight: bigint;
  validatorSetHash: string;
  next: unknown;
}

async function managerState(manager: Contract): Promise<ManagerState> {
  const lastCheckpointNumber = await view<bigint>(manager, "lastCheckpointNumber");
  return {
    lastCheckpointNumber,
    lastEndHeight: await view<bigint>(manager, "lastEndHeight"),
    validatorSetHash: await view<string>(manager, "validatorSetHash"),
    next: [...(await view<unknown[]>(manager, "getCheckpoint", lastCheckpointNumber + 1n))],
  };
}

/** Asserts the submission reverts with `error(args)` and leaves the manager exactly as it was. */
async function expectRejected(
  f: Fixture,
  s: Submission,
  error: string,
  args?: readonly unknown[],
): Promise<void> {
  const before = await managerState(f.manager);
  await expectRevert(
    f.manager.getFunction("submitCheckpoint")(...submitArgs(s)),
    f.manager.interface,
    error,
    args,
  );
  assert.deepEqual(await managerState(f.manager), before, "a rejected checkpoint must change nothing");
}

function signOne(checkpoint: Checkpoint, v: TestValidator, domain: CheckpointDomainParams): Hex {
  return signCheckpoint(checkpoint, domain, v.privateKey);
}

/** Rewrites one byte range of a 65-byte signature. */
function withSignatureParts(signature: Hex, parts: { s?: bigint; v?: number; r?: bigint }): Hex {
  const bytes = hexToBytes(signature, 65);
  if (parts.r !== undefined) bytes.set(hexToBytes(`0x${parts.r.toString(16).padStart(64, "0")}`), 0);
  if (parts.s !== undefined) bytes.set(hexToBytes(`0x${parts.s.toString(16).padStart(64, "0")}`), 32);
  if (parts.v !== undefined) bytes[64] = parts.v;
  return bytesToHex(bytes);
}

describe("CheckpointManager", () => {
  let f: Fixture;
  let clean: string;
  let first: Checkpoint;

  before(async () => {
    f = await deployFixture(setA);
    first = nextCheckpoint(null, { nextValidatorSetHash: setHash(setA) });
    clean = await snapshot();
  });
  beforeEach(async () => {
    await revertTo(clean);
    clean = await snapshot();
  });
  after(async () => {
    await revertTo(clean);
  });

  describe("accepts", () => {
    it("starts with the deployed set and no checkpoint", async () => {
      assert.equal(await view<bigint>(f.manager, "sidechainId"), SIDECHAIN_ID);
      assert.equal(await view<string>(f.manager, "validatorSetHash"), setHash(setA));
      assert.equal(await view<bigint>(f.manager, "lastCheckpointNumber"), 0n);
      assert.equal(await view<bigint>(f.manager, "lastEndHeight"), 0n);
    });

    it("stores a checkpoint signed by every validator and emits CheckpointSubmitted", async () => {
      const cp = { ...first, withdrawalsRoot: `0x${"cd".repeat(32)}` as Hex };
      const receipt = await submit(f.manager, signedSubmission(cp, setA, setA, f.domain));
      const record = await view<[string, string]>(f.manager, "getCheckpoint", 1);
      assert.deepEqual([...record], [checkpointHash(cp), cp.withdrawalsRoot]);
      assert.equal(await view<string>(f.manager, "withdrawalsRoot", 1), cp.withdrawalsRoot);
      assert.equal(await view<bigint>(f.manager, "lastCheckpointNumber"), 1n);
      assert.equal(await view<bigint>(f.manager, "lastEndHeight"), BigInt(cp.endHeight));
      const events = receipt.logs.map((l) => f.manager.interface.parseLog(l)).filter((e) => e !== null);
      assert.deepEqual(
        events.map((e) => e.name),
        ["CheckpointSubmitted"],
        "an unchanged set emits no ValidatorSetUpdated",
      );
      assert.deepEqual(
        [...(events[0]?.args ?? [])],
        [1n, 1n, 10n, cp.blocksRoot, cp.withdrawalsRoot, cp.nextValidatorSetHash],
      );
    });

    it("proves with isAccepted exactly the checkpoint it stored, every field included", async () => {
      await submit(f.manager, signedSubmission(first, setA, setA, f.domain));
      const accepted = (c: Checkpoint) => view<boolean>(f.manager, "isAccepted", checkpointMessage(c));
      assert.equal(await accepted(first), true);
      const other: Hex = `0x${"99".repeat(32)}`;
      for (const changed of [
        { sidechainId: SIDECHAIN_ID + 1n },
        { number: 2 },
        { startHeight: 2 },
        { endHeight: 11 },
        { blocksRoot: other },
        { withdrawalsRoot: other },
        { nextValidatorSetHash: other },
      ]) {
        assert.equal(
          await accepted({ ...first, ...changed }),
          false,
          JSON.stringify(changed, (_, v) => String(v)),
        );
      }
    });

    it("accepts 2/3 of the power plus one wei", async () => {
      const signers = [setA[2], setA[3]] as TestValidator[];
      assert.equal(P2 + P3, (TOTAL * 2n) / 3n + 1n);
      await submit(f.manager, signedSubmission(first, setA, signers, f.domain));
      assert.equal(await view<bigint>(f.manager, "lastCheckpointNumber"), 1n);
    });

    it("hands the set over to nextValidatorSetHash and then only accepts the new set", async () => {
      const handover = nextCheckpoint(null, { nextValidatorSetHash: setHash(setB) });
      const receipt = await submit(f.manager, {
        ...signedSubmission(handover, setA, setA, f.domain),
        nextValidators: setB,
      });
      const updated = receipt.logs
        .map((l) => f.manager.interface.parseLog(l))
        .find((e) => e?.name === "ValidatorSetUpdated");
      assert.deepEqual([...(updated?.args ?? [])], [1n, setHash(setA), setHash(setB)]);
      assert.equal(await view<string>(f.manager, "validatorSetHash"), setHash(setB));

      const second = nextCheckpoint(handover, { nextValidatorSetHash: setHash(setB) });
      await expectRejected(f, signedSubmission(second, setA, setA, f.domain), "ValidatorSetHashMismatch", [
        setHash(setB),
        setHash(setA),
      ]);
      await submit(f.manager, signedSubmission(second, setB, setB.slice(2), f.domain));
      assert.equal(await view<bigint>(f.manager, "lastCheckpointNumber"), 2n);
      assert.equal(await view<bigint>(f.manager, "lastEndHeight"), 20n);
    });

    it("accepts a one-block checkpoint", async () => {
      await submit(
        f.manager,
        signedSubmission(
          nextCheckpoint(null, { nextValidatorSetHash: setHash(setA) }, 1),
          setA,
          setA,
          f.domain,
        ),
      );
      assert.equal(await view<bigint>(f.manager, "lastEndHeight"), 1n);
    });
  });

  describe("rejects, changing nothing", () => {
    it("a forged signature (a validator's signature over other data)", async () => {
      const forged = signOne(
        { ...first, blocksRoot: `0x${"ee".repeat(32)}` },
        setA[1] as TestValidator,
        f.domain,
      );
      const s = signedSubmission(first, setA, setA, f.domain);
      const parts = rawSignatures([
        { index: 0, signature: signOne(first, setA[0] as TestValidator, f.domain) },
        { index: 1, signature: forged },
        { index: 3, signature: signOne(first, setA[3] as TestValidator, f.domain) },
      ]);
      await expectRejected(f, { ...s, ...parts }, "SignerMismatch", [1n, setA[1]?.address, ANY]);
    });

    it("a signer outside the set", async () => {
      const outsiderKey = testKey("outsider", 0);
      const outsider = privateKeyToAddress(outsiderKey);
      const s = signedSubmission(first, setA, setA, f.domain);
      const parts = rawSignatures([
        { index: 0, signature: signCheckpoint(first, f.domain, outsiderKey) },
        ...[1, 2, 3].map((index) => ({
          index,
          signature: signOne(first, setA[index] as TestValidator, f.domain),
        })),
      ]);
      await expectRejected(f, { ...s, ...parts }, "SignerMismatch", [0n, setA[0]?.address, outsider]);
    });

    it("the same signer twice", async () => {
      const s = signedSubmission(first, setA, setA, f.domain);
      const big = signOne(first, setA[3] as TestValidator, f.domain);
      const parts = rawSignatures([
        { index: 3, signature: big },
        { index: 3, signature: big },
      ]);
      await expectRejected(f, { ...s, ...parts }, "SignerIndicesNotAscending", [1n]);
    });

    it("signers out of order", async () => {
      const s = signedSubmission(first, setA, setA, f.domain);
      const parts = rawSignatures(
        [3, 0, 1, 2].map((index) => ({
          index,
          signature: signOne(first, setA[index] as TestValidator, f.domain),
        })),
      );
      await expectRejected(f, { ...s, ...parts }, "SignerIndicesNotAscending", [1n]);
    });

    it("exactly 2/3 of the power", async () => {
      const signers = [setA[0], setA[3]] as TestValidator[];
      assert.equal((P0 + P3) * 3n, TOTAL * 2n);
      await expectRejected(f, signedSubmission(first, setA, signers, f.domain), "InsufficientSignedPower", [
        P0 + P3,
        TOTAL,
      ]);
    });

    it("no signatures at all", async () => {
      await expectRejected(f, signedSubmission(first, setA, [], f.domain), "InsufficientSignedPower", [
        0n,
        TOTAL,
      ]);
    });

    it("signatures made for another L1 chain id", async () => {
      const domain = { ...f.domain, l1ChainId: BigInt(f.domain.l1ChainId) + 1n };
      await expectRejected(f, signedSubmission(first, setA, setA, domain), "SignerMismatch", [
        0n,
        setA[0]?.address,
        ANY,
      ]);
    });

    it("signatures made for another CheckpointManager", async () => {
      const domain = { ...f.domain, checkpointManager: `0x${"42".repeat(20)}` as Address };
      await expectRejected(f, signedSubmission(first, setA, setA, domain), "SignerMismatch", [
        0n,
        setA[0]?.address,
        ANY,
      ]);
    });

    it("a checkpoint for another sidechain", async () => {
      const cp = { ...first, sidechainId: SIDECHAIN_ID + 1n };
      await expectRejected(f, signedSubmission(cp, setA, setA, f.domain), "SidechainIdMismatch", [
        SIDECHAIN_ID,
        SIDECHAIN_ID + 1n,
      ]);
    });

    it("a gap in the checkpoint number, and a replayed number", async () => {
      const skipping = { ...first, number: 2 };
      await expectRejected(f, signedSubmission(skipping, setA, setA, f.domain), "CheckpointNumberGap", [
        1n,
        2n,
      ]);
      await submit(f.manager, signedSubmission(first, setA, setA, f.domain));
      await expectRejected(f, signedSubmission(first, setA, setA, f.domain), "CheckpointNumberGap", [2n, 1n]);
    });

    it("a gap or an overlap in the start height", async () => {
      await expectRejected(
        f,
        signedSubmission({ ...first, startHeight: 2 }, setA, setA, f.domain),
        "StartHeightGap",
        [1n, 2n],
      );
      await submit(f.manager, signedSubmission(first, setA, setA, f.domain));
      const second = nextCheckpoint(first, { nextValidatorSetHash: setHash(setA) });
      for (const startHeight of [second.startHeight + 1, second.startHeight - 1]) {
        const cp = { ...second, startHeight, endHeight: startHeight + 5 };
        await expectRejected(f, signedSubmission(cp, setA, setA, f.domain), "StartHeightGap", [
          BigInt(second.startHeight),
          BigInt(startHeight),
        ]);
      }
    });

    it("an end height below the start height", async () => {
      const cp = { ...first, startHeight: 1, endHeight: 0 };
      await expectRejected(f, signedSubmission(cp, setA, setA, f.domain), "InvalidHeightRange", [1n, 0n]);
    });

    it("a zero next validator set hash", async () => {
      const cp = { ...first, nextValidatorSetHash: `0x${"00".repeat(32)}` as Hex };
      await expectRejected(f, signedSubmission(cp, setA, setA, f.domain), "ZeroValidatorSetHash", []);
    });

    it("validator arrays that do not match the stored hash", async () => {
      const s = signedSubmission(first, setA, setA, f.domain);
      const inflated = [...s.powers.slice(0, 3), (s.powers[3] ?? 0n) * 10n];
      const inflatedHash = hashValidatorSet(
        setA.map((v, i) => ({ address: v.address, power: inflated[i] ?? 0n })),
      );
      await expectRejected(f, { ...s, powers: inflated }, "ValidatorSetHashMismatch", [
        setHash(setA),
        inflatedHash,
      ]);
      const fewer = { ...s, validators: s.validators.slice(0, 3), powers: s.powers.slice(0, 3) };
      await expectRejected(f, fewer, "ValidatorSetHashMismatch", [setHash(setA), ANY]);
      // Four addresses with three powers: the packed set is 8 bytes short of four whole entries.
      const packed = packValidatorSetHex(setA);
      await expectRejected(f, { ...s, validatorSet: packed.slice(0, -16) as Hex }, "MalformedValidatorSet", [
        104n,
      ]);
    });

    it("a high-s signature (the malleable twin of a valid one)", async () => {
      const s = signedSubmission(first, setA, setA, f.domain);
      const sigs = setA.map((v) => signOne(first, v, f.domain));
      const good = hexToBytes(sigs[2] as Hex, 65);
      const lowS = BigInt(bytesToHex(good.subarray(32, 64)));
      const twin = withSignatureParts(sigs[2] as Hex, {
        s: SECP256K1_N - lowS,
        v: good[64] === 27 ? 28 : 27,
      });
      const parts = rawSignatures(
        sigs.map((signature, index) => ({ index, signature: index === 2 ? twin : signature })),
      );
      await expectRejected(f, { ...s, ...parts }, "HighSSignature", [2n]);
    });

    for (const v of [0, 1, 29]) {
      it(`v = ${v}`, async () => {
        const s = signedSubmission(first, setA, setA, f.domain);
        const sigs = setA.map((val) => signOne(first, val, f.domain));
        const parts = rawSignatures(
          sigs.map((signature, index) => ({
            index,
            signature: index === 1 ? withSignatureParts(signature, { v }) : signature,
          })),
        );
        await expectRejected(f, { ...s, ...parts }, "InvalidSignatureV", [1n, BigInt(v)]);
      });
    }

    it("a signature that recovers to nobody", async () => {
      const s = signedSubmission(first, setA, setA, f.domain);
      const sigs = setA.map((val) => signOne(first, val, f.domain));
      const broken = withSignatureParts(sigs[0] as Hex, { r: 0n });
      const parts = rawSignatures(
        sigs.map((signature, index) => ({ index, signature: index === 0 ? broken : signature })),
      );
      await expectRejected(f, { ...s, ...parts }, "InvalidSignature", [0n]);
    });

    it("an index past the end of the set", async () => {
      const s = signedSubmission(first, setA, setA, f.domain);
      const parts = rawSignatures([
        { index: 0, signature: signOne(first, setA[0] as TestValidator, f.domain) },
        { index: 4, signature: signOne(first, setA[3] as TestValidator, f.domain) },
      ]);
      await expectRejected(f, { ...s, ...parts }, "SignerIndexOutOfRange", [1n, 4n]);
    });

    it("signature bytes that do not match the index count", async () => {
      const s = signedSubmission(first, setA, setA, f.domain);
      await expectRejected(f, { ...s, signatures: s.signatures.slice(0, -2) as Hex }, "MalformedSignatures", [
        8n,
        259n,
      ]);
      await expectRejected(
        f,
        { ...s, signerIndices: s.signerIndices.slice(0, -2) as Hex },
        "MalformedSignatures",
        [7n, 260n],
      );
    });
  });

  describe("a stored set that breaks the ordering rule", () => {
    async function managerFor(set: readonly { address: Address; power: bigint }[]): Promise<Contract> {
      const artifact = await loadArtifact("CheckpointManager");
      const contract = await new ContractFactory(artifact.abi, artifact.bytecode, f.relayer).deploy(
        SIDECHAIN_ID,
        hashValidatorSet(set),
      );
      await contract.waitForDeployment();
      return contract as Contract;
    }

    it("is refused even when its hash matches: unsorted, or the same address twice", async () => {
      const [a, b, c] = setA as [TestValidator, TestValidator, TestValidator];
      for (const [set, badIndex] of [
        [[b, a, c], 1n],
        [[a, b, b, c], 2n],
      ] as const) {
        const manager = await managerFor(set);
        const domain = {
          ...f.domain,
          checkpointManager: (await manager.getAddress()).toLowerCase() as Address,
        };
        const s = signedSubmission(first, [...set], [], domain);
        await expectRevert(
          manager.getFunction("submitCheckpoint")(...submitArgs(s)),
          manager.interface,
          "ValidatorsNotSorted",
          [badIndex],
        );
        assert.equal(await view<bigint>(manager, "lastCheckpointNumber"), 0n);
      }
    });
  });
});
