import "../../node/util/polyfill.ts";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Interface } from "ethers";
import { devAccountKey } from "../../genesis/devKeys.ts";
import { nativeTokenAddress } from "../../node/app/addresses.ts";
import { type Address, privateKeyToAddress } from "../../node/crypto/index.ts";
import { SIDECHAIN_TOKEN_ABI } from "../../node/types/abis.ts";
import { type CliRun, outrigger } from "../helpers/cli.ts";
import { Cluster, eventually, heightOf, rpc } from "../helpers/cluster.ts";

const COIN = 10n ** 18n;
/** Short epochs and no extra unbonding: a stake joins, leaves and is paid back within a few dozen blocks. */
const EPOCH_LENGTH = 5;
const token = new Interface([...SIDECHAIN_TOKEN_ABI]);

interface ValidatorsJson {
  height: number;
  epoch: number;
  totalPower: string;
  validators: { address: Address; power: string; share: string; stake: string }[];
}

/** A run that printed exactly one line on stderr and nothing on stdout, with the given exit code. */
function oneLineError(run: CliRun, code: number, message: RegExp): void {
  assert.equal(run.code, code, `exit code of: ${run.stderr}${run.stdout}`);
  assert.equal(run.stdout, "");
  const lines = run.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, run.stderr);
  assert.match(lines[0] ?? "", message);
}

function json<T>(run: CliRun): T {
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout) as T;
}

describe("operator commands against a 4-validator cluster", { timeout: 480_000 }, () => {
  let cluster: Cluster;
  let url: string;
  let dir: string;

  before(async () => {
    cluster = await Cluster.create({
      validators: 4,
      overrides: { epochLength: EPOCH_LENGTH, unbondingEpochs: 0 },
    });
    await cluster.startAll();
    url = cluster.nodes[0]?.rpcUrl ?? "";
    dir = await mkdtemp(join(tmpdir(), "outrigger-operator-"));
    await eventually("the first blocks", async () => (await heightOf(url)) >= 2);
  });
  after(async () => {
    await cluster?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const cli = (...args: string[]) => outrigger([...args, "--rpc", url]);
  const nonceOf = async (address: Address) =>
    BigInt(await rpc<string>(url, "eth_getTransactionCount", [address]));
  const balanceOf = async (address: Address) =>
    BigInt(await rpc<string>(url, "eth_getBalance", [address, "latest"]));

  it("balance: native coins and the dev token, as eth_getBalance and balanceOf answer", async () => {
    const account = privateKeyToAddress(devAccountKey(1));
    const native = json<{ raw: string; balance: string; decimals: number }>(
      await cli("balance", account, "--json"),
    );
    assert.equal(BigInt(native.raw), await balanceOf(account));
    assert.equal(native.decimals, 18);
    assert.equal(BigInt(native.raw), BigInt(native.balance) * COIN);

    const dev = nativeTokenAddress("DEV");
    const raw = await rpc<string>(url, "eth_call", [
      { to: dev, data: token.encodeFunctionData("balanceOf", [account]) },
      "latest",
    ]);
    const byCli = json<{ raw: string; token: { address: string; symbol: string } }>(
      await cli("balance", account, "--token", "DEV", "--json"),
    );
    assert.equal(BigInt(byCli.raw), BigInt(raw));
    assert.ok(BigInt(raw) > 0n);
    assert.equal(byCli.token.address, dev);
    const text = await cli("balance", account, "--token", dev);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`raw +${BigInt(raw)} \\(18 decimals\\)`));
  });

  it("validators: the 4 genesis validators with their powers and stakes", async () => {
    const set = json<ValidatorsJson>(await cli("validators", "--json"));
    assert.deepEqual(
      set.validators.map((v) => v.address).sort(),
      cluster.layout.nodes.map((n) => n.address).sort(),
    );
    for (const v of set.validators) {
      assert.equal(v.power, "1000");
      assert.equal(v.share, "25.00%");
      assert.equal(BigInt(v.stake), 1000n * COIN);
    }
    assert.equal(set.totalPower, "4000");
    const text = await cli("validators");
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^4 validators sign height \d+ \(epoch \d+\), total power 4000$/m);
  });

  it("a dev account stakes, signs up for the next epoch, unstakes and is paid back", async () => {
    const key = devAccountKey(2);
    const account = privateKeyToAddress(key);
    const hexFile = join(dir, "key.hex");
    const keystore = join(dir, "key.json");
    const passwordFile = join(dir, "password");
    await writeFile(hexFile, `${key}\n`, { mode: 0o600 });
    await writeFile(passwordFile, "correct horse\n", { mode: 0o600 });
    const imported = await outrigger([
      "keys",
      "import",
      "--type",
      "validator",
      "--key-file",
      hexFile,
      "--out",
      keystore,
      "--password-file",
      passwordFile,
    ]);
    assert.equal(imported.code, 0, imported.stderr);
    const signer = ["--key-file", keystore, "--password-file", passwordFile];

    const before = await balanceOf(account);
    const staked = json<{ status: string; stake: string; effectiveEpoch: number; effectiveHeight: number }>(
      await cli("stake", "100", ...signer, "--json"),
    );
    assert.equal(staked.status, "success");
    assert.equal(BigInt(staked.stake), 100n * COIN);
    assert.equal(staked.effectiveHeight, (staked.effectiveEpoch - 1) * EPOCH_LENGTH + 1);
    const afterStake = await balanceOf(account);
    assert.ok(before - afterStake >= 100n * COIN && before - afterStake < 101n * COIN, "100 coins plus gas");

    // The set of the effective epoch's first block has the new validator; the block before it does not.
    await eventually("the effective height", async () => (await heightOf(url)) >= staked.effectiveHeight);
    const joined = json<ValidatorsJson>(
      await cli("validators", "--height", String(staked.effectiveHeight), "--json"),
    );
    assert.equal(joined.validators.length, 5);
    assert.equal(joined.validators.find((v) => v.address === account)?.power, "100");
    assert.equal(joined.totalPower, "4100");
    const earlier = json<ValidatorsJson>(
      await cli("validators", "--height", String(staked.effectiveHeight - 1), "--json"),
    );
    assert.equal(earlier.validators.length, 4);
    const shown = await cli("validators", "--height", String(staked.effectiveHeight));
    assert.match(shown.stdout, new RegExp(`${account} +100 +2\\.43% +100`));

    const unstaked = json<{ effectiveHeight: number; releaseEpoch: number; releaseHeight: number }>(
      await cli("unstake", "100", ...signer, "--json"),
    );
    assert.equal(unstaked.releaseHeight, (unstaked.releaseEpoch - 1) * EPOCH_LENGTH + 1);
    // unbondingEpochs 0: released when the power is gone, at the next epoch.
    assert.equal(unstaked.releaseHeight, unstaked.effectiveHeight);
    await eventually("the release height", async () => (await heightOf(url)) >= unstaked.releaseHeight);
    const left = json<ValidatorsJson>(await cli("validators", "--json"));
    assert.ok(!left.validators.some((v) => v.address === account), "the account left the set");

    const beforeWithdraw = await balanceOf(account);
    const paid = await cli("withdraw-stake", ...signer);
    assert.equal(paid.code, 0, paid.stderr);
    assert.match(
      paid.stdout,
      new RegExp(`^withdraw-stake: tx 0x[0-9a-f]{64} succeeded in block \\d+; paid 100 to ${account}$`, "m"),
    );
    const gained = (await balanceOf(account)) - beforeWithdraw;
    assert.ok(gained > 99n * COIN && gained <= 100n * COIN, `paid back 100 less gas, got ${gained}`);

    const nonce = await nonceOf(account);
    oneLineError(
      await cli("withdraw-stake", ...signer),
      1,
      /^error: nothing to withdraw: .* has no unstaked coins/,
    );
    assert.equal(await nonceOf(account), nonce, "nothing was sent");
  });

  it("bad input: one line, exit 1 or 2, nothing sent", async () => {
    const key = devAccountKey(3);
    const account = privateKeyToAddress(key);
    const keystore = join(dir, "three.json");
    const hexFile = join(dir, "three.hex");
    const good = join(dir, "good-password");
    const wrong = join(dir, "wrong-password");
    await writeFile(hexFile, `${key}\n`, { mode: 0o600 });
    await writeFile(good, "right\n", { mode: 0o600 });
    await writeFile(wrong, "wrong\n", { mode: 0o600 });
    const imported = await outrigger([
      "keys",
      "import",
      "--type",
      "validator",
      "--key-file",
      hexFile,
      "--out",
      keystore,
      "--password-file",
      good,
    ]);
    assert.equal(imported.code, 0, imported.stderr);
    const nonce = await nonceOf(account);

    oneLineError(
      await cli("stake", "-1", "--key-file", keystore, "--password-file", good),
      2,
      /invalid amount "-1"/,
    );
    oneLineError(
      await cli("unstake", "0", "--key-file", keystore, "--password-file", good),
      2,
      /more than zero/,
    );
    oneLineError(
      await cli("stake", "1", "--key-file", keystore, "--password-file", wrong),
      1,
      /^error: cannot decrypt .*three\.json: incorrect password$/,
    );
    oneLineError(
      await cli("stake", "1", "--key-file", keystore),
      2,
      /encrypted keystore: pass --password-file/,
    );
    oneLineError(
      await cli("stake", "1000000", "--key-file", keystore, "--password-file", good),
      1,
      /^error: stake was not sent: staking: amount exceeds balance$/,
    );
    oneLineError(await cli("balance", account, "--token", "NOPE"), 1, /no token has the symbol "NOPE"/);
    oneLineError(await cli("balance", "0x1234"), 2, /invalid address "0x1234"/);
    const asJson = await cli("balance", "0x1234", "--json");
    assert.equal(asJson.code, 2);
    assert.match(JSON.parse(asJson.stdout).error, /invalid address/);
    assert.equal(await nonceOf(account), nonce, "no transaction was sent");
  });
});
