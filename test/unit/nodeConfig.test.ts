import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parse } from "smol-toml";
import { parseConfigText, renderConfigFile } from "../../node/config/configFile.ts";
import { CONFIG_KEYS } from "../../node/config/configKeys.ts";
import { ConfigError } from "../../node/config/errors.ts";
import {
  configFromEnv,
  configFromFlags,
  type NodeConfigInput,
  nodeConfigSchema,
  resolveNodeConfig,
} from "../../node/config/nodeConfig.ts";

const FILE = "home/config.toml";
const PEER_A = "12D3KooWAvrhZ9aFcdeyAZwBz4qLngsxLaerdzo5TF5H33da1BR6";
const PEER_B = "12D3KooWN5eSyUp2RrkDoEcf5KrwMo8WHebfG4TMFouYr22CUpSW";
const fromFile = (text: string) => parseConfigText(text, FILE);

describe("node configuration (config.toml, OUTRIGGER_* environment, flags)", () => {
  it("init's file reads back as the values it was written from, with a comment above every key", () => {
    const defaults = nodeConfigSchema.parse({});
    const written = renderConfigFile({});
    assert.deepEqual(resolveNodeConfig([fromFile(written)]), defaults);
    for (const key of CONFIG_KEYS) assert.match(written, new RegExp(`# env ${key.env}, flag ${key.flag}\\n`));

    const chosen: NodeConfigInput = {
      persistentPeers: [`/ip4/10.0.0.2/tcp/26656/p2p/${PEER_A}`],
      rpcHost: "0.0.0.0",
      rpcPort: 0,
      rpcCorsOrigins: [],
      validatorKeyFile: null,
      l1RpcUrl: 'https://l1.example:8545/v1?key=a"b',
      metricsPort: 9100,
      dataDir: "/var/lib/outrigger",
    };
    assert.deepEqual(resolveNodeConfig([fromFile(renderConfigFile(chosen))]), nodeConfigSchema.parse(chosen));
  });

  it("reads a boolean from the environment as true or false, and refuses anything else", () => {
    assert.equal(
      resolveNodeConfig([configFromEnv({ OUTRIGGER_P2P_DIAL_ONLY_PERSISTENT_PEERS: "true" })])
        .p2pDialOnlyPersistentPeers,
      true,
    );
    assert.equal(resolveNodeConfig([]).p2pDialOnlyPersistentPeers, false, "off by default");
    assert.throws(
      () => configFromEnv({ OUTRIGGER_P2P_DIAL_ONLY_PERSISTENT_PEERS: "yes" }),
      /OUTRIGGER_P2P_DIAL_ONLY_PERSISTENT_PEERS: expected true or false/,
    );
  });

  it("leaves unset what may be unset, commented out with an example", () => {
    const written = renderConfigFile({});
    assert.match(written, /^# rpc_url = "http:\/\/127\.0\.0\.1:8545"$/m);
    assert.match(written, /^# port = 9100$/m);
    assert.equal((parse(written).l1 as Record<string, unknown>).rpc_url, undefined);
  });

  it("layers the file, then the environment, then flags, later winning key by key", () => {
    const config = resolveNodeConfig([
      fromFile('[rpc]\nport = 1000\n[node]\nlog_level = "debug"\n'),
      configFromEnv({ OUTRIGGER_RPC_PORT: "2000", OUTRIGGER_RPC_HOST: "0.0.0.0", UNRELATED: "x" }),
      configFromFlags({ rpcPort: "3000" }),
    ]);
    assert.equal(config.rpcPort, 3000);
    assert.equal(config.rpcHost, "0.0.0.0");
    assert.equal(config.logLevel, "debug");
    assert.deepEqual(config.p2pListen, ["/ip4/127.0.0.1/tcp/0"], "loopback unless asked otherwise");
  });

  it("reads lists comma-separated and an empty text as unset, from the environment and flags alike", () => {
    const env = configFromEnv({
      OUTRIGGER_P2P_PERSISTENT_PEERS: `/ip4/1.2.3.4/tcp/1/p2p/${PEER_A}, /dns4/b.example/tcp/1/p2p/${PEER_B},`,
      OUTRIGGER_VALIDATOR_KEY_FILE: "",
    });
    const config = resolveNodeConfig([env, configFromFlags({ rpcCorsOrigins: "" })]);
    assert.deepEqual(config.persistentPeers, [
      `/ip4/1.2.3.4/tcp/1/p2p/${PEER_A}`,
      `/dns4/b.example/tcp/1/p2p/${PEER_B}`,
    ]);
    assert.equal(config.validatorKeyFile, null);
    assert.deepEqual(config.rpcCorsOrigins, []);
  });

  it("names the source and the key of a bad value, before anything starts", () => {
    const fails = (fn: () => unknown, pattern: RegExp) =>
      assert.throws(fn, (err: unknown) => err instanceof ConfigError && pattern.test(err.message));
    fails(() => resolveNodeConfig([fromFile("[rpc]\nport = 70000\n")]), /home\/config\.toml: rpc\.port:/);
    fails(() => resolveNodeConfig([fromFile('[rpc]\nport = "8545"\n')]), /rpc\.port:/);
    fails(() => resolveNodeConfig([fromFile('[node]\nlog_level = "loud"\n')]), /node\.log_level:/);
    fails(() => resolveNodeConfig([fromFile('[l1]\nrpc_url = "not a url"\n')]), /l1\.rpc_url:/);
    fails(() => configFromEnv({ OUTRIGGER_RPC_PORT: "80a" }), /OUTRIGGER_RPC_PORT: expected a port number/);
    fails(
      () => resolveNodeConfig([configFromEnv({ OUTRIGGER_LOG_LEVEL: "loud" })]),
      /environment: OUTRIGGER_LOG_LEVEL:/,
    );
    fails(() => resolveNodeConfig([configFromFlags({ logLevel: "loud" })]), /flags: --log-level:/);
    fails(() => configFromFlags({ metricsPort: "-1" }), /--metrics-port: expected a port number/);
    // Peers and listen addresses are parsed as the network will, so a typo stops the node before it opens anything.
    fails(
      () => resolveNodeConfig([fromFile('[p2p]\npersistent_peers = ["/ip4/10.0.0.2/tcp/26656"]\n')]),
      /home\/config\.toml: p2p\.persistent_peers: .*lacks a \/p2p\/<peer id> part/,
    );
    fails(
      () =>
        resolveNodeConfig([
          configFromEnv({ OUTRIGGER_P2P_PERSISTENT_PEERS: "/ip4/10.0.0.2/tcp/26656/p2p/12D3KooWExample" }),
        ]),
      /environment: OUTRIGGER_P2P_PERSISTENT_PEERS: bootstrap address \/ip4\/10\.0\.0\.2\/tcp\/26656\/p2p\/12D3KooWExample/,
    );
    fails(
      () => resolveNodeConfig([configFromFlags({ p2pListen: "10.0.0.2:26656" })]),
      /flags: --p2p-listen: "10\.0\.0\.2:26656" is not a multiaddr/,
    );
  });

  it("refuses what it does not know instead of ignoring it", () => {
    const fails = (text: string, pattern: RegExp) =>
      assert.throws(
        () => fromFile(text),
        (err: unknown) => err instanceof ConfigError && pattern.test(err.message),
      );
    fails("[rpc]\nprot = 1\n", /unknown key rpc\.prot/);
    fails("[rcp]\nport = 1\n", /unknown section \[rcp\]/);
    fails("port = 1\n", /unknown section \[port\]/);
    fails("[rpc]\nport = \n", /not valid TOML at line 2/);
  });
});
