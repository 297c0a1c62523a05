import "../../node/util/polyfill.ts";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { ensureBuilt } from "../helpers/build.ts";
import { eventually, heightOf } from "../helpers/cluster.ts";
import { ComposeLocal, readCompose } from "../helpers/composeLocal.ts";

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, "../..");
const LOCAL_SERVICES = ["l1", "setup", "validator0", "validator1", "validator2", "validator3", "relayer"];

/** Starts `name` once each dependency meets its compose condition, as `docker compose up` orders them. */
async function up(compose: ComposeLocal, name: string): Promise<void> {
  for (const [dep, condition] of Object.entries(compose.services.get(name)?.dependsOn ?? {})) {
    if (condition === "service_healthy")
      await eventually(`${dep} healthy`, () => compose.healthy(dep), 180_000, 1_000);
    else if (condition === "service_completed_successfully")
      assert.equal(await compose.exited(dep), 0, `${dep} failed: see ${compose.logFile(dep)}`);
    else assert.fail(`${name}: depends_on condition ${condition} is not handled here`);
  }
  compose.start(name);
}

describe("docker-compose.yml, each service run as a local process", { timeout: 900_000 }, () => {
  let dir: string;
  let compose: ComposeLocal;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "outrigger-compose-"));
    // The image's dist/: what `npm run build` makes in the Dockerfile's build stage.
    await ensureBuilt();
    compose = await ComposeLocal.create(dir);
  });

  after(async () => {
    compose?.stopAll();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("names only files that exist, and runs every service but the optional ones", async () => {
    const file = await readCompose();
    assert.deepEqual(
      Object.keys(file.services).filter((n) => file.services[n]?.profiles === undefined),
      LOCAL_SERVICES,
    );
    for (const service of compose.services.values()) {
      for (const arg of [...service.argv, ...(service.healthcheck ?? [])]) {
        if (arg.startsWith(`${ROOT}/`)) assert.ok(existsSync(arg), `${service.name} names ${arg}`);
      }
    }
    for (const volume of Object.values(file.services).flatMap((s) => s.volumes ?? [])) {
      const source = volume.split(":")[0] as string;
      if (source.startsWith(".")) assert.ok(existsSync(join(ROOT, source)), `a bind mount names ${source}`);
    }
  });

  it("comes up in depends_on order: the L1, the setup job, 4 healthy validators committing blocks, the relayer", async () => {
    for (const name of LOCAL_SERVICES) await up(compose, name);
    await eventually("relayer healthy", () => compose.healthy("relayer"), 120_000, 1_000);
    const rpc = compose.url("validator0", 8545);
    const start = await heightOf(rpc);
    await eventually("blocks committed", async () => (await heightOf(rpc)) >= start + 3, 60_000);
    for (const v of ["validator1", "validator2", "validator3"])
      assert.ok((await heightOf(compose.url(v, 8545))) > 0);
  });

  it("mints a deposit made on its L1", async () => {
    const { stdout } = await run(
      process.execPath,
      [
        join(ROOT, "dist/cli/main.js"),
        "bridge",
        "deposit",
        "ETH",
        "1.5",
        "--dev-account",
        "3",
        "--wait",
        "--timeout",
        "180",
        "--json",
        "--rpc",
        compose.url("validator1", 8545),
        "--l1-rpc",
        compose.url("l1", 8545),
      ],
      { cwd: ROOT, timeout: 240_000 },
    );
    const result = JSON.parse(stdout) as { status: { phase: string } };
    assert.equal(result.status.phase, "minted", stdout);
  });
});
