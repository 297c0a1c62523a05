import "../../node/util/polyfill.ts";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { createNetwork } from "../../genesis/network.ts";
import { readValidatorKey } from "../../genesis/validatorKey.ts";
import { CONFIG_FILE, readConfigFile } from "../../node/config/configFile.ts";
import { genesisHash, parseGenesis } from "../../node/config/genesis.ts";
import { resolveNodeConfig } from "../../node/config/nodeConfig.ts";
import { privateKeyToAddress } from "../../node/crypto/index.ts";

describe("genesis: a network of node homes", () => {
  it("writes one home per validator, each bootstrapping from all the others, sharing one genesis", async (t) => {
    const dir = await mkdtemp(join(tmpdir(), "outrigger-net-"));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const layout = await createNetwork({
      dir,
      validators: 4,
      ports: { p2p: [4001, 4002, 4003, 4004], rpc: [5001, 5002, 5003, 5004] },
    });
    assert.equal(layout.nodes.length, 4);
    assert.equal(new Set(layout.nodes.map((n) => n.peerId)).size, 4);
    const hashes = new Set<string>();
    for (const [i, node] of layout.nodes.entries()) {
      const genesis = parseGenesis(JSON.parse(await readFile(join(node.home, "genesis.json"), "utf8")));
      hashes.add(genesisHash(genesis));
      const config = resolveNodeConfig([await readConfigFile(join(node.home, CONFIG_FILE))]);
      assert.equal(config.rpcPort, 5001 + i);
      assert.equal(config.persistentPeers.length, 3);
      assert.ok(
        !config.persistentPeers.some((a) => a.endsWith(node.peerId)),
        "a node does not bootstrap from itself",
      );
      const key = await readValidatorKey(join(node.home, "validator.key"), null);
      assert.equal(privateKeyToAddress(key), node.address);
      assert.ok(genesis.validators.some((v) => v.address === node.address));
    }
    assert.equal(hashes.size, 1);
    assert.equal(genesisHash(layout.genesis), [...hashes][0]);
  });

  it("refuses too few ports", async (t) => {
    const dir = await mkdtemp(join(tmpdir(), "outrigger-net-"));
    t.after(() => rm(dir, { recursive: true, force: true }));
    await assert.rejects(createNetwork({ dir, validators: 2, ports: { p2p: [1], rpc: [2, 3] } }), /port/);
  });

  it("without ports, lets each node bind free ones when it starts and bootstrap from whoever starts it", async (t) => {
    const dir = await mkdtemp(join(tmpdir(), "outrigger-net-"));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const layout = await createNetwork({ dir, validators: 2 });
    for (const node of layout.nodes) {
      assert.equal(node.rpcUrl, null);
      assert.equal(node.p2pAddr, null);
      const config = resolveNodeConfig([await readConfigFile(join(node.home, CONFIG_FILE))]);
      assert.equal(config.rpcPort, 0);
      assert.deepEqual(config.p2pListen, ["/ip4/127.0.0.1/tcp/0"]);
      assert.deepEqual(config.persistentPeers, []);
    }
  });
});
