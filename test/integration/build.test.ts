import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, "../..");
const TSC = join(ROOT, "node_modules/typescript/bin/tsc");

// The compiled copy is what the container image runs: it must start without tsx and find the build output
// (contract artifacts) of the checkout it was built in.
describe("the compiled build (npm run build)", { timeout: 180_000 }, () => {
  let out: string;

  before(async () => {
    // Inside the checkout, so the compiled files resolve node_modules as dist/ does.
    out = await mkdtemp(join(ROOT, ".build-check-"));
    await run(process.execPath, [TSC, "-p", join(ROOT, "tsconfig.build.json"), "--outDir", out], {
      cwd: ROOT,
    });
  });

  after(async () => {
    if (out) await rm(out, { recursive: true, force: true });
  });

  it("runs the CLI with plain node", async () => {
    const { stdout } = await run(process.execPath, [join(out, "cli/main.js"), "--version"]);
    assert.match(stdout.trim(), /^\d+\.\d+\.\d+$/);
  });

  it("reports a usage error the same way as from the sources", async () => {
    await assert.rejects(
      run(process.execPath, [join(out, "cli/main.js"), "genesis", "--validators", "zero"]),
      (err) => {
        const failure = err as { code: number; stderr: string };
        assert.equal(failure.code, 2);
        assert.equal(failure.stderr.trim().split("\n").length, 1);
        return true;
      },
    );
  });

  it("finds the checkout's contract artifacts, not a folder under the build output", async () => {
    const compiled = (await import(pathToFileURL(join(out, "contracts/artifacts.js")).href)) as {
      DEFAULT_ARTIFACTS_DIR: string;
    };
    assert.equal(compiled.DEFAULT_ARTIFACTS_DIR, join(ROOT, "artifacts"));
  });
});
