import assert from "node:assert/strict";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { type CliRun, outrigger as run } from "../helpers/cli.ts";

type Run = CliRun;

const outrigger = (...args: string[]): Promise<Run> => run(args);

function usageError(run: Run, line: string): void {
  assert.deepEqual(run, { code: 2, stdout: "", stderr: `${line}\n` });
}

describe("outrigger CLI errors", () => {
  it("an unknown option: one line naming the command and its --help, exit 2", async () => {
    // Reported before the missing --home, as the likelier mistake.
    usageError(
      await outrigger("node", "--foo"),
      "error: unknown option '--foo' for 'outrigger node'; run `outrigger node --help`",
    );
    usageError(
      await outrigger("node", "--hom", "x"),
      "error: unknown option '--hom' for 'outrigger node' (Did you mean --home?); run `outrigger node --help`",
    );
  });

  it("a bad number and a missing required option: one line each, exit 2", async () => {
    usageError(
      await outrigger("node", "--home", "x", "--rpc-port", "abc"),
      "error: option '--rpc-port <port>' argument 'abc' is invalid. expected a whole number; run `outrigger node --help`",
    );
    usageError(
      await outrigger("genesis"),
      "error: required option '--out <dir>' not specified; run `outrigger genesis --help`",
    );
  });

  it("with --json, usage errors and failures are one JSON object on stdout (exit 2 and 1)", async () => {
    const usage = await outrigger("keys", "new", "--type", "bogus", "--out", "x", "--json");
    assert.deepEqual(usage, {
      code: 2,
      stdout: `${JSON.stringify({
        error:
          "option '--type <type>' argument 'bogus' is invalid. Allowed choices are validator, p2p.; run `outrigger keys new --help`",
      })}\n`,
      stderr: "",
    });
    const missing = join(tmpdir(), "outrigger-no-such-key.json");
    const failure = await outrigger("keys", "address", missing, "--json");
    assert.deepEqual(failure, {
      code: 1,
      stdout: `${JSON.stringify({
        error: `cannot read key file ${missing}: ENOENT: no such file or directory, open '${missing}'`,
      })}\n`,
      stderr: "",
    });
  });

  it("a password on the command line is refused without echoing it, and nothing is written", async (t) => {
    const dir = await mkdtemp(join(tmpdir(), "outrigger-cli-"));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const out = join(dir, "v.json");
    usageError(
      await outrigger("keys", "new", "--type", "validator", "--out", out, "--password=hunter2"),
      "error: a password is never read from the command line (shell history, ps); use --password-file FILE " +
        "or OUTRIGGER_KEY_PASSWORD; run `outrigger keys new --help`",
    );
    // A mistyped flag does not echo the value either.
    usageError(
      await outrigger("keys", "new", "--type", "validator", "--out", out, "--pasword=hunter2"),
      "error: unknown option '--pasword=…' for 'outrigger keys new'; run `outrigger keys new --help`",
    );
    await assert.rejects(stat(out), /ENOENT/);
  });

  it("genesis --help shows the bigint chain id default and exits 0", async () => {
    const run = await outrigger("genesis", "--help");
    assert.equal(run.code, 0);
    assert.equal(run.stderr, "");
    assert.match(run.stdout, /--chain-id <id> +the sidechain's chain id \(default: 7447\)/);
  });
});
