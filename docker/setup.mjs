// One-shot setup of the compose network (the `setup` service), made of the commands an operator runs by hand
// (docs/operators.md): each validator's keys, the L1 contracts, the genesis and each validator's config.toml.
// A finished setup is left alone, so `docker compose up` again keeps the network; an unfinished one starts over.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

const CLI = join(dirname(import.meta.dirname), "dist/cli/main.js");
const P2P_PORT = 26656;

function setting(name) {
  const value = process.env[name];
  if (!value) throw new Error(`setup: set ${name}`);
  return value;
}

const homes = setting("HOMES");
const names = setting("VALIDATORS").split(/\s+/).filter(Boolean);
// The address each validator is reached at by its peers: its service name in compose.
const hosts = (process.env.VALIDATOR_HOSTS ?? names.join(" ")).split(/\s+/).filter(Boolean);
if (hosts.length !== names.length) throw new Error("setup: VALIDATOR_HOSTS needs one host per validator");
const l1RpcUrl = setting("L1_RPC_URL");
const done = join(homes, names[0], ".setup-done");

function outrigger(args, env = {}) {
  return execFileSync(process.execPath, [CLI, ...args], {
    env: { ...process.env, ...env },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
}

function p2pAddress(host, peerId) {
  const protocol = /^[0-9.]+$/.test(host) ? "ip4" : "dns4";
  return `/${protocol}/${host}/tcp/${P2P_PORT}/p2p/${peerId}`;
}

if (existsSync(done)) {
  process.stdout.write(`setup: already done (${done}); nothing to do\n`);
  process.exit(0);
}

const work = await mkdtemp(join(tmpdir(), "outrigger-setup-"));
try {
  const passwordFile = join(work, "password");
  await writeFile(passwordFile, `${setting("OUTRIGGER_KEY_PASSWORD")}\n`, { mode: 0o600 });
  const validators = [];
  for (const [i, name] of names.entries()) {
    const home = join(homes, name);
    await mkdir(home, { recursive: true });
    const key = JSON.parse(
      outrigger([
        "keys",
        "new",
        "--type",
        "validator",
        "--out",
        join(home, "validator.key"),
        "--password-file",
        passwordFile,
        "--force",
        "--json",
      ]),
    );
    const p2p = JSON.parse(
      outrigger(["keys", "new", "--type", "p2p", "--out", join(home, "p2p-key.json"), "--force", "--json"]),
    );
    validators.push({
      name,
      address: key.address,
      power: 100,
      peerId: p2p.peerId,
      p2pAddress: p2pAddress(hosts[i], p2p.peerId),
    });
  }
  const validatorsFile = join(work, "validators.json");
  await writeFile(validatorsFile, `${JSON.stringify(validators, null, 2)}\n`);

  const deployerKey = join(work, "deployer.key");
  await writeFile(deployerKey, `${setting("DEPLOYER_KEY")}\n`, { mode: 0o600 });
  const deployment = join(work, "deployment.json");
  outrigger([
    "deploy",
    "--l1-rpc",
    l1RpcUrl,
    "--l1-chain-id",
    setting("L1_CHAIN_ID"),
    "--sidechain-id",
    setting("SIDECHAIN_ID"),
    "--validators",
    validatorsFile,
    "--deployer-key-file",
    deployerKey,
    "--out",
    deployment,
  ]);
  const genesis = join(work, "genesis.json");
  outrigger([
    "genesis",
    "--validators-file",
    validatorsFile,
    "--chain-id",
    setting("SIDECHAIN_ID"),
    "--deployment",
    deployment,
    "--out",
    genesis,
  ]);

  for (const [i, name] of names.entries()) {
    const home = join(homes, name);
    const peers = validators.filter((_, j) => j !== i).map((v) => v.p2pAddress);
    await copyFile(genesis, join(home, "genesis.json"));
    await copyFile(deployment, join(home, "deployment.json"));
    outrigger([
      "init",
      "--home",
      home,
      "--force",
      "--persistent-peers",
      peers.join(","),
      "--l1-rpc-url",
      l1RpcUrl,
      "--metrics-port",
      "9100",
    ]);
  }
  await writeFile(done, `${new Date().toISOString()}\n`);
  process.stdout.write(`setup: ${names.length} validators ready (${names.join(", ")})\n`);
} finally {
  await rm(work, { recursive: true, force: true });
}
