import assert from "node:assert/strict";
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { computeAddress } from "ethers";
import { devAccountKey, devValidatorKey } from "../../genesis/devKeys.ts";
import { readValidatorKey, writeValidatorKey } from "../../genesis/validatorKey.ts";
import { ConfigError } from "../../node/config/errors.ts";
import {
  canonicalGenesisJson,
  type GenesisJson,
  genesisHash,
  parseGenesis,
} from "../../node/config/genesis.ts";

const GENESIS: GenesisJson = {
  chainId: "7447",
  genesisTime: 1_700_000_000_000,
  epochLength: 20,
  unbondingEpochs: 2,
  minGasPrice: "1000000000",
  maxClockDriftMs: 2000,
  timeouts: {
    proposeMs: 1000,
    proposeDeltaMs: 500,
    prevoteMs: 500,
    prevoteDeltaMs: 250,
    precommitMs: 500,
    precommitDeltaMs: 250,
    commitMs: 500,
  },
  validators: [{ address: `0x${"AB".repeat(20)}`, stake: "100000000000000000000" }],
  alloc: [{ address: `0x${"cd".repeat(20)}`, balance: "5" }],
  nativeTokens: [],
  l1: null,
};

describe("genesis file", () => {
  it("parses amounts exactly as bigint and addresses in lowercase", () => {
    const g = parseGenesis(GENESIS);
    assert.equal(g.chainId, 7447n);
    assert.equal(g.validators[0]?.stake, 100_000_000_000_000_000_000n);
    assert.equal(g.validators[0]?.address, `0x${"ab".repeat(20)}`);
  });

  it("names the path of every problem", () => {
    const bad = { ...GENESIS, chainId: 7447, validators: [], extra: true } as unknown;
    assert.throws(
      () => parseGenesis(bad),
      (err: unknown) =>
        err instanceof ConfigError &&
        /chainId/.test(err.message) &&
        /validators/.test(err.message) &&
        /extra|Unrecognized/.test(err.message),
    );
    assert.throws(() => parseGenesis({ ...GENESIS, minGasPrice: "-1" }), ConfigError);
    assert.throws(() => parseGenesis({ ...GENESIS, minGasPrice: "01" }), ConfigError);
    assert.throws(() => parseGenesis(null), ConfigError);
    const dup = { ...GENESIS, validators: [...GENESIS.validators, ...GENESIS.validators] };
    assert.throws(() => parseGenesis(dup), /listed twice/);
  });

  it("hashes canonically: key order does not matter, any value change does", () => {
    const g = parseGenesis(GENESIS);
    const reordered = parseGenesis(
      JSON.parse(JSON.stringify(Object.fromEntries(Object.entries(GENESIS).reverse()))),
    );
    assert.equal(genesisHash(g), genesisHash(reordered));
    assert.equal(canonicalGenesisJson(g), canonicalGenesisJson(reordered));
    assert.notEqual(genesisHash(g), genesisHash(parseGenesis({ ...GENESIS, minGasPrice: "1000000001" })));
    assert.deepEqual(parseGenesis(JSON.parse(canonicalGenesisJson(g))), g);
  });
});

describe("validator keys", () => {
  it("dev keys are the well-known hardhat accounts, and validator keys differ from them", () => {
    assert.equal(computeAddress(devAccountKey(0)), "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
    assert.notEqual(devValidatorKey(0), devAccountKey(0));
  });

  it("round-trips plain and encrypted key files (0600) and rejects bad ones clearly", async (t) => {
    const dir = await mkdtemp(join(tmpdir(), "outrigger-keys-"));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const key = devValidatorKey(1);
    await writeValidatorKey(join(dir, "plain.key"), key, null);
    assert.equal(await readValidatorKey(join(dir, "plain.key"), null), key);
    assert.equal((await stat(join(dir, "plain.key"))).mode & 0o777, 0o600);
    await writeValidatorKey(join(dir, "enc.json"), key, "pw");
    assert.match(await readFile(join(dir, "enc.json"), "utf8"), /"kdf":"scrypt"/);
    assert.equal(await readValidatorKey(join(dir, "enc.json"), "pw"), key);
    await assert.rejects(readValidatorKey(join(dir, "enc.json"), "wrong"), ConfigError);
    await assert.rejects(readValidatorKey(join(dir, "enc.json"), null), /OUTRIGGER_KEY_PASSWORD/);
    await writeFile(join(dir, "junk.key"), "0x1234\n", { mode: 0o600 });
    await assert.rejects(readValidatorKey(join(dir, "junk.key"), null), ConfigError);
    await assert.rejects(readValidatorKey(join(dir, "missing.key"), null), ConfigError);
    await writeFile(join(dir, "zero.key"), `0x${"00".repeat(32)}`, { mode: 0o600 });
    await assert.rejects(readValidatorKey(join(dir, "zero.key"), null), ConfigError);
  });

  it("the node refuses a key file that group or others can read, naming the file and the chmod fix", async (t) => {
    const dir = await mkdtemp(join(tmpdir(), "outrigger-keys-"));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const path = join(dir, "validator.key");
    await writeValidatorKey(path, devValidatorKey(2), null);
    for (const mode of [0o640, 0o604, 0o644]) {
      await chmod(path, mode);
      await assert.rejects(readValidatorKey(path, null), (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.equal(
          err.message,
          `validator key ${path} can be read by other users (mode 0${mode.toString(8)}); run \`chmod 600 ${path}\``,
        );
        return true;
      });
    }
    await chmod(path, 0o400);
    assert.equal(await readValidatorKey(path, null), devValidatorKey(2));
  });
});
