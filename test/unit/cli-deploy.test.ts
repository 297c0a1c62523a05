import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { generateKeyPair } from "@libp2p/crypto/keys";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import { UsageError } from "../../cli/format/errors.ts";
import { encryptValidatorKey, newPeerKey } from "../../cli/keys/keyFiles.ts";
import { type DeployFlags, type DeployIo, runDeploy } from "../../cli/run/deploy.ts";
import { DeployError } from "../../contracts/deploy.ts";
import { devAccountKey, devValidatorKey } from "../../genesis/devKeys.ts";
import { ValidatorsFileError } from "../../genesis/validatorsFile.ts";
import { privateKeyToAddress } from "../../node/crypto/index.ts";

/** A JSON-RPC endpoint that answers eth_chainId with 0x7a69 and records every other method it is asked. */
async function fakeL1(t: {
  after: (fn: () => unknown) => void;
}): Promise<{ url: string; methods: string[] }> {
  const methods: string[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => {
      body += d;
    });
    req.on("end", () => {
      const calls = JSON.parse(body) as { id: number; method: string } | { id: number; method: string }[];
      const answer = (c: { id: number; method: string }) => {
        if (c.method !== "eth_chainId") methods.push(c.method);
        return { jsonrpc: "2.0", id: c.id, result: c.method === "eth_chainId" ? "0x7a69" : null };
      };
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify(Array.isArray(calls) ? calls.map(answer) : answer(calls)));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.after(() => new Promise((r) => server.close(r)));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, methods };
}

async function setup(t: { after: (fn: () => unknown) => void }) {
  const dir = await mkdtemp(join(tmpdir(), "outrigger-cli-deploy-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const peer = peerIdFromPrivateKey(await generateKeyPair("Ed25519")).toString();
  const validatorsFile = join(dir, "validators.json");
  await writeFile(
    validatorsFile,
    JSON.stringify([
      {
        address: privateKeyToAddress(devValidatorKey(0)),
        power: 10,
        peerId: peer,
        p2pAddress: `/ip4/127.0.0.1/tcp/1/p2p/${peer}`,
      },
    ]),
  );
  const hexKey = join(dir, "deployer.hex");
  await writeFile(hexKey, `${devAccountKey(0)}\n`, { mode: 0o600 });
  const l1 = await fakeL1(t);
  const flags: DeployFlags = {
    l1Rpc: l1.url,
    l1ChainId: 31337n,
    sidechainId: 9n,
    validators: validatorsFile,
    deployerKeyFile: hexKey,
    confirmations: 1,
    out: join(dir, "deployment.json"),
    force: false,
    json: false,
  };
  const warnings: string[] = [];
  const io: DeployIo = { out: { write: () => {}, isTTY: false }, warn: (l) => warnings.push(l), env: {} };
  return { dir, flags, io, l1, warnings };
}

describe("outrigger deploy: refusals before anything is sent", () => {
  it("refuses secrets on the command line", async (t) => {
    const { flags, io, l1 } = await setup(t);
    await assert.rejects(runDeploy({ ...flags, password: "x" }, io), UsageError);
    await assert.rejects(runDeploy({ ...flags, privateKey: "0x1" }, io), UsageError);
    assert.deepEqual(l1.methods, []);
  });

  it("refuses a bad validators file, an existing --out, and another L1 chain id", async (t) => {
    const { dir, flags, io, l1 } = await setup(t);
    const bad = join(dir, "bad.json");
    await writeFile(bad, "[]");
    await assert.rejects(runDeploy({ ...flags, validators: bad }, io), ValidatorsFileError);
    await writeFile(flags.out, "{}");
    await assert.rejects(runDeploy(flags, io), /deployment\.json already exists.*--force/);
    await assert.rejects(
      runDeploy({ ...flags, force: true, l1ChainId: 5n }, io),
      (err: unknown) =>
        err instanceof DeployError && /is chain 31337, not chain 5; nothing was sent$/.test(err.message),
    );
    assert.deepEqual(l1.methods, [], "only eth_chainId was asked");
  });

  it("reads a keystore deployer key with the password from the env or a file, never without one", async (t) => {
    const { dir, flags, io, l1 } = await setup(t);
    const keystore = join(dir, "deployer.json");
    await writeFile(keystore, await encryptValidatorKey(devAccountKey(0), "pw"), { mode: 0o600 });
    await assert.rejects(
      runDeploy({ ...flags, deployerKeyFile: keystore }, io),
      (err: unknown) =>
        err instanceof UsageError && /needs a password: .*OUTRIGGER_DEPLOYER_PASSWORD$/.test(err.message),
    );
    await assert.rejects(
      runDeploy(
        { ...flags, deployerKeyFile: keystore },
        { ...io, env: { OUTRIGGER_DEPLOYER_PASSWORD: "wrong" } },
      ),
      /cannot decrypt/,
    );
    const passwordFile = join(dir, "pw");
    await writeFile(passwordFile, "pw\n");
    // The right password opens the keystore: the next step, the L1 chain id check, is what refuses.
    await assert.rejects(
      runDeploy({ ...flags, deployerKeyFile: keystore, passwordFile, l1ChainId: 5n }, io),
      /not chain 5/,
    );
    const p2p = join(dir, "p2p.json");
    await writeFile(p2p, (await newPeerKey()).content, { mode: 0o600 });
    await assert.rejects(
      runDeploy({ ...flags, deployerKeyFile: p2p }, io),
      /is a p2p identity, not an Ethereum key/,
    );
    assert.deepEqual(l1.methods, []);
  });
});
