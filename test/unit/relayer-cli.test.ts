import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { Command, CommanderError } from "commander";
import { RelayerConfigError } from "../../bridge/relayer/errors.ts";
import { readRelayerKey } from "../../bridge/relayer/key.ts";
import { RelayerMetrics } from "../../bridge/relayer/metrics.ts";
import { checkL1ChainId, readBridgeSettings } from "../../bridge/relayer/startup.ts";
import { registerRelayerCommand } from "../../cli/relayerCommand.ts";
import type { BridgeInfo, NodeStatusInfo } from "../../node/types/rpc/index.ts";
import { serveMetrics } from "../../node/util/metricsServer.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const KEY = `0x${"11".repeat(32)}`;

/** Parses flags without running the relayer: the action is replaced, errors are thrown instead of exiting. */
function parse(args: string[]): Promise<unknown> {
  const program = new Command().exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  registerRelayerCommand(program);
  const relayer = program.commands.find((c) => c.name() === "relayer");
  assert.ok(relayer);
  relayer.exitOverride().action(() => {});
  return program.parseAsync(["relayer", ...args], { from: "user" });
}

describe("relayer CLI: flags", () => {
  const good = ["--rpc", "http://127.0.0.1:8645", "--l1-rpc", "http://127.0.0.1:8545"];

  it("accepts the documented flags", async () => {
    await parse([...good, "--exit", "--interval", "250", "--metrics-port", "9464", "--log-level", "debug"]);
  });

  for (const [what, args, code] of [
    ["a missing --rpc", ["--l1-rpc", "http://127.0.0.1:8545"], "commander.missingMandatoryOptionValue"],
    ["a missing --l1-rpc", ["--rpc", "http://127.0.0.1:8645"], "commander.missingMandatoryOptionValue"],
    [
      "a URL that is not http",
      ["--rpc", "ws://x:1", "--l1-rpc", "http://127.0.0.1:8545"],
      "commander.invalidArgument",
    ],
    ["an interval that is not a number", [...good, "--interval", "fast"], "commander.invalidArgument"],
    ["a port out of range", [...good, "--metrics-port", "70000"], "commander.invalidArgument"],
    ["an unknown log level", [...good, "--log-level", "loud"], "commander.invalidArgument"],
    ["a private key as a flag", [...good, "--key", KEY], "commander.unknownOption"],
  ] as const) {
    it(`refuses ${what}`, async () => {
      await assert.rejects(parse([...args]), (err: unknown) => {
        assert.ok(err instanceof CommanderError);
        assert.equal(err.code, code);
        assert.notEqual(err.exitCode, 0);
        return true;
      });
    });
  }
});

describe("relayer CLI: key", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "relayer-key-"));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("reads a key file (with or without 0x) or the environment, and warns about a readable file", async () => {
    const file = join(dir, "key");
    await writeFile(file, `${KEY.slice(2)}\n`);
    await chmod(file, 0o600);
    const fromFile = await readRelayerKey(file, {});
    assert.equal(fromFile.privateKey, KEY);
    assert.equal(fromFile.warning, null);
    await chmod(file, 0o644);
    assert.match((await readRelayerKey(file, {})).warning ?? "", /chmod 600/);
    const fromEnv = await readRelayerKey(undefined, {
      OUTRIGGER_RELAYER_KEY: KEY.toUpperCase().replace("0X", "0x"),
    });
    assert.equal(fromEnv.address, fromFile.address);
  });

  it("refuses no key, two keys, and garbage, without echoing the file's content", async () => {
    await assert.rejects(readRelayerKey(undefined, {}), RelayerConfigError);
    const file = join(dir, "both");
    await writeFile(file, KEY);
    await assert.rejects(readRelayerKey(file, { OUTRIGGER_RELAYER_KEY: KEY }), /not both/);
    const secretish = "deadbeef".repeat(7);
    await writeFile(file, secretish);
    await assert.rejects(readRelayerKey(file, {}), (err: unknown) => {
      assert.ok(err instanceof RelayerConfigError);
      assert.ok(!err.message.includes(secretish));
      return true;
    });
    await writeFile(file, `0x${"00".repeat(32)}`);
    await assert.rejects(readRelayerKey(file, {}), /valid secp256k1/);
    await assert.rejects(readRelayerKey(join(dir, "missing"), {}), /cannot read/);
  });
});

const STATUS: NodeStatusInfo = {
  chainId: 7447n,
  height: 3,
  hash: null,
  time: null,
  epoch: 0,
  epochLength: 10,
  syncing: false,
  highestKnownHeight: null,
  peers: 3,
  validator: null,
};

const BRIDGE_INFO: BridgeInfo = {
  l1ChainId: 31337n,
  checkpointManager: `0x${"cc".repeat(20)}`,
  bridge: `0x${"bb".repeat(20)}`,
  deploymentBlock: 1,
  confirmations: 0,
  systemContracts: { bridge: `0x${"01".repeat(20)}`, staking: `0x${"02".repeat(20)}` },
  nextDepositNonce: 0n,
  nextWithdrawalId: 0n,
  tokens: [],
};

describe("relayer CLI: startup", () => {
  const signal = new AbortController().signal;

  it("waits for a node that is not up yet, then takes the L1 settings from it", async () => {
    let attempts = 0;
    const retries: string[] = [];
    const settings = await readBridgeSettings(
      {
        url: "http://node",
        status: async () => {
          if (++attempts < 3) throw new Error("ECONNREFUSED");
          return STATUS;
        },
        bridgeInfo: async () => BRIDGE_INFO,
      },
      { signal, retryMs: 1, onRetry: (what) => retries.push(what) },
    );
    assert.equal(retries.length, 2);
    assert.deepEqual(settings, {
      l1ChainId: 31337n,
      bridge: BRIDGE_INFO.bridge,
      checkpointManager: BRIDGE_INFO.checkpointManager,
      deploymentBlock: 1,
      // The genesis rule: 0 confirmations means the L1 `finalized` tag.
      confirmations: "finalized",
    });
  });

  it("fails clearly for a node without an L1 and for an L1 of another chain", async () => {
    await assert.rejects(
      readBridgeSettings(
        {
          url: "http://node",
          status: async () => STATUS,
          bridgeInfo: async () => {
            throw new Error("the chain has no L1");
          },
        },
        { signal, onRetry: () => {} },
      ),
      /node at http:\/\/node has no usable L1 bridge settings.*no L1/,
    );
    await assert.rejects(
      checkL1ChainId(async () => 1n, "http://l1", 31337n, { signal, onRetry: () => {} }),
      /chain id 1, but the sidechain is bridged to chain 31337/,
    );
  });
});

describe("relayer CLI: metrics endpoint", () => {
  it("serves the relayer's metrics on 127.0.0.1 and nothing else", async () => {
    const metrics = new RelayerMetrics();
    metrics.errors.inc({ task: "deposits" });
    const server = await serveMetrics(metrics.registry, { port: 0 });
    try {
      assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      const text = await (await fetch(server.url)).text();
      for (const name of [
        "outrigger_relayer_pending_deposits",
        "outrigger_relayer_pending_checkpoints",
        "outrigger_relayer_pending_exits",
        "outrigger_relayer_deposits_submitted_total",
        "outrigger_relayer_checkpoints_submitted_total",
        "outrigger_relayer_exits_total",
        "outrigger_relayer_checkpoint_gas",
      ]) {
        assert.match(text, new RegExp(`^# TYPE ${name} `, "m"));
      }
      assert.match(text, /^outrigger_relayer_errors_total\{task="deposits"\} 1$/m);
      assert.equal((await fetch(server.url.replace("/metrics", "/other"))).status, 404);
    } finally {
      await server.close();
    }
  });
});

/** A JSON-RPC server answering each method with a fixed result or error. */
async function rpcServer(
  answers: Record<string, { result: unknown } | { error: { code: number; message: string } }>,
): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on("end", () => {
      const request = JSON.parse(body) as { id: number; method: string };
      const answer = answers[request.method] ?? { error: { code: -32601, message: "unknown method" } };
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ jsonrpc: "2.0", id: request.id, ...answer }));
    });
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const json = (value: unknown) =>
  JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)));

/** Runs `outrigger relayer` as a process, the way cli/main.ts does (which registers the command). */
function runCli(
  args: string[],
  env: Record<string, string> = {},
): ChildProcess & { output: Promise<Output> } {
  const script = [
    `import { Command } from "commander";`,
    `import { registerRelayerCommand } from ${JSON.stringify(join(ROOT, "cli/relayerCommand.ts"))};`,
    `const program = new Command().name("outrigger");`,
    "registerRelayerCommand(program);",
    "program.parseAsync(process.argv.slice(1), { from: 'user' }).catch((err) => {",
    '  process.stderr.write("outrigger: " + err.message + "\\n"); process.exitCode = 1; });',
  ].join("\n");
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "--input-type=module", "-e", script, "relayer", ...args],
    { cwd: ROOT, env: { ...process.env, OUTRIGGER_RELAYER_KEY: KEY, ...env }, stdio: "pipe" },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr.on("data", (c: Buffer) => {
    stderr += c.toString();
  });
  const output = new Promise<Output>((done) => child.on("close", (code) => done({ code, stdout, stderr })));
  return Object.assign(child, { output });
}

interface Output {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe("relayer CLI: process", () => {
  const servers: Server[] = [];
  after(() => {
    for (const s of servers) s.close();
  });

  it("exits 1 with a clear message when the node has no L1", async () => {
    const node = await rpcServer({
      outrigger_status: { result: json(STATUS) },
      outrigger_bridgeInfo: { error: { code: -32000, message: "the chain has no L1" } },
    });
    servers.push(node.server);
    const { code, stderr } = await runCli(["--rpc", node.url, "--l1-rpc", "http://127.0.0.1:9"]).output;
    assert.equal(code, 1);
    assert.match(stderr, /has no usable L1 bridge settings.*the chain has no L1/);
  });

  it("exits 1 when the L1 is another chain than the node is bridged to", async () => {
    const node = await rpcServer({
      outrigger_status: { result: json(STATUS) },
      outrigger_bridgeInfo: { result: json(BRIDGE_INFO) },
    });
    const l1 = await rpcServer({ eth_chainId: { result: "0x1" } });
    servers.push(node.server, l1.server);
    const { code, stderr } = await runCli(["--rpc", node.url, "--l1-rpc", l1.url]).output;
    assert.equal(code, 1);
    assert.match(stderr, /chain id 1, but the sidechain is bridged to chain 31337/);
  });

  it("exits 1 without a key", async () => {
    const { code, stderr } = await runCli(["--rpc", "http://127.0.0.1:9", "--l1-rpc", "http://127.0.0.1:9"], {
      OUTRIGGER_RELAYER_KEY: "",
    }).output;
    assert.equal(code, 1);
    assert.match(stderr, /needs an L1 key: --key-file <file> or OUTRIGGER_RELAYER_KEY/);
  });

  it("waits for a node that is down and stops cleanly on SIGTERM", async () => {
    const child = runCli(["--rpc", "http://127.0.0.1:9", "--l1-rpc", "http://127.0.0.1:9"]);
    let seen = "";
    await new Promise<void>((done) => {
      child.stdout?.on("data", (c: Buffer) => {
        seen += c.toString();
        if (seen.includes("waiting for the sidechain node")) done();
      });
    });
    child.kill("SIGTERM");
    const { code } = await child.output;
    assert.equal(code, 0);
  });
});
