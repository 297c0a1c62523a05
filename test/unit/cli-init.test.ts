import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { CONFIG_FILE, readConfigFile } from "../../node/config/configFile.ts";
import { resolveNodeConfig } from "../../node/config/nodeConfig.ts";
import { outrigger } from "../helpers/cli.ts";

const PEER_A = "12D3KooWAvrhZ9aFcdeyAZwBz4qLngsxLaerdzo5TF5H33da1BR6";
const PEER_B = "12D3KooWN5eSyUp2RrkDoEcf5KrwMo8WHebfG4TMFouYr22CUpSW";

describe("outrigger init and the node's configuration errors", () => {
  it("writes a commented config.toml with the values given as flags, and never overwrites one unasked", async (t) => {
    const home = await mkdtemp(join(tmpdir(), "outrigger-init-"));
    t.after(() => rm(home, { recursive: true, force: true }));
    const first = await outrigger([
      "init",
      "--home",
      home,
      "--rpc-host",
      "0.0.0.0",
      "--persistent-peers",
      `/ip4/10.0.0.2/tcp/26656/p2p/${PEER_A},/ip4/10.0.0.3/tcp/26656/p2p/${PEER_B}`,
      "--l1-rpc-url",
      "http://l1:8545",
    ]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /wrote .*config\.toml/);
    const config = resolveNodeConfig([await readConfigFile(join(home, CONFIG_FILE))]);
    assert.equal(config.rpcHost, "0.0.0.0");
    assert.deepEqual(config.persistentPeers, [
      `/ip4/10.0.0.2/tcp/26656/p2p/${PEER_A}`,
      `/ip4/10.0.0.3/tcp/26656/p2p/${PEER_B}`,
    ]);
    assert.equal(config.l1RpcUrl, "http://l1:8545");

    const written = await readFile(join(home, CONFIG_FILE), "utf8");
    const again = await outrigger(["init", "--home", home]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /config\.toml exists; edit it, or pass --force/);
    assert.equal(await readFile(join(home, CONFIG_FILE), "utf8"), written, "the file is untouched");
    const forced = await outrigger(["init", "--home", home, "--force"]);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(resolveNodeConfig([await readConfigFile(join(home, CONFIG_FILE))]).rpcHost, "127.0.0.1");
  });

  it("init refuses a bad value as a usage error naming the flag, and writes nothing", async (t) => {
    const home = await mkdtemp(join(tmpdir(), "outrigger-init-"));
    t.after(() => rm(home, { recursive: true, force: true }));
    for (const [flag, value, reason] of [
      ["--rpc-port", "99999", "expected a number from 0 to 65535"],
      ["--log-level", "loud", "Invalid option"],
      ["--l1-rpc-url", "l1:8545", "expected an http\\(s\\):// or ws\\(s\\):// URL"],
      ["--rpc-host", "", "Too small"],
    ] as const) {
      const run = await outrigger(["init", "--home", home, flag, value]);
      assert.equal(run.code, 2, `${flag} ${value}`);
      assert.equal(run.stdout, "");
      assert.match(
        run.stderr,
        new RegExp(`^error: option '${flag} <\\w+>' argument '${value}' is invalid\\. ${reason}.*\\n$`, "i"),
      );
    }
    await assert.rejects(readFile(join(home, CONFIG_FILE)), { code: "ENOENT" });
  });

  it("the node names the bad key of its file or environment in one line before starting anything", async (t) => {
    const home = await mkdtemp(join(tmpdir(), "outrigger-node-config-"));
    t.after(() => rm(home, { recursive: true, force: true }));
    await writeFile(join(home, CONFIG_FILE), '[rpc]\nport = 8545\n[node]\nlog_level = "loud"\n');
    const fromFile = await outrigger(["node", "--home", home]);
    assert.equal(fromFile.code, 1);
    assert.match(fromFile.stderr, /^error: .*config\.toml: node\.log_level: .*\n$/);

    await writeFile(join(home, CONFIG_FILE), "[rpc]\nport = 8545\n");
    const fromEnv = await outrigger(["node", "--home", home], { OUTRIGGER_RPC_PORT: "http" });
    assert.match(fromEnv.stderr, /^error: .*OUTRIGGER_RPC_PORT: expected a port number.*\n$/);
    const net = join(home, "net");
    assert.equal((await outrigger(["genesis", "--out", net, "--validators", "1"])).code, 0);
    const noPassword = await outrigger([
      "node",
      "--home",
      join(net, "node0"),
      "--password-file",
      join(home, "nope"),
    ]);
    assert.equal(noPassword.code, 2);
    assert.match(noPassword.stderr, /^error: cannot read password file .*nope.*\n$/);
    await assert.rejects(readFile(join(net, "node0", "node.log")), { code: "ENOENT" });
    // Nothing was started: no database, no log file.
    await assert.rejects(readFile(join(home, "node.log")), { code: "ENOENT" });
  });
});
