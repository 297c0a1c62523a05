import assert from "node:assert/strict";
import { chmod, copyFile, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { UsageError } from "../../cli/format/errors.ts";
import { KeyFileError } from "../../cli/keys/keyFiles.ts";
import { type KeysIo, runKeysAddress, runKeysImport, runKeysNew, runKeysShow } from "../../cli/run/keys.ts";
import { devValidatorKey } from "../../genesis/devKeys.ts";
import { readValidatorKey, writeValidatorKey } from "../../genesis/validatorKey.ts";
import { privateKeyToAddress } from "../../node/crypto/index.ts";
import { loadOrCreatePeerKey, PEER_KEY_FILE, peerIdOf } from "../../node/p2p/peerKey.ts";

const PASSWORD = "correct horse";
const KEY = devValidatorKey(3);
const ADDRESS = privateKeyToAddress(KEY).toLowerCase();

interface FakeIo extends KeysIo {
  text: () => string;
  warnings: string[];
}

function fakeIo(env: NodeJS.ProcessEnv = {}, stdin = ""): FakeIo {
  let text = "";
  const warnings: string[] = [];
  return {
    out: {
      write: (s) => {
        text += s;
      },
      isTTY: false,
    },
    warn: (line) => {
      warnings.push(line);
    },
    env,
    readStdin: async () => stdin,
    text: () => text,
    warnings,
  };
}

async function tempDir(t: { after: (fn: () => Promise<unknown>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "outrigger-cli-keys-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const mode = async (path: string) => (await stat(path)).mode & 0o777;
const base = { force: false, json: false };

describe("outrigger keys", () => {
  it("new --type validator writes a 0600 keystore the node opens with the same password", async (t) => {
    const dir = await tempDir(t);
    const out = join(dir, "validator.json");
    const passwordFile = join(dir, "pw");
    await writeFile(passwordFile, `${PASSWORD}\n`);
    const io = fakeIo();
    await runKeysNew({ ...base, type: "validator", out, passwordFile, json: true }, io);
    const printed = JSON.parse(io.text());
    assert.equal(printed.type, "validator");
    assert.equal(await mode(out), 0o600);
    assert.match(await readFile(out, "utf8"), /"kdf":"scrypt"/);
    const key = await readValidatorKey(out, PASSWORD);
    assert.equal(printed.address.toLowerCase(), privateKeyToAddress(key).toLowerCase());
    assert.doesNotMatch(io.text(), new RegExp(key.slice(2)));
  });

  it("new --type p2p writes the node's own 0600 peer key file, which the node loads", async (t) => {
    const dir = await tempDir(t);
    const out = join(dir, PEER_KEY_FILE);
    const io = fakeIo();
    await runKeysNew({ ...base, type: "p2p", out }, io);
    assert.equal(await mode(out), 0o600);
    const peerId = peerIdOf(await loadOrCreatePeerKey(dir));
    assert.equal(io.text(), `p2p key written to ${out}\npeer id  ${peerId}\n`);
    const address = fakeIo();
    await runKeysAddress(out, { json: false }, address);
    assert.equal(address.text(), `${peerId}\n`);
  });

  it("import reads the hex key from stdin or --key-file, with the password from the environment", async (t) => {
    const dir = await tempDir(t);
    const env = { OUTRIGGER_KEY_PASSWORD: PASSWORD };
    const fromStdin = join(dir, "stdin.json");
    await runKeysImport({ ...base, type: "validator", out: fromStdin }, fakeIo(env, `${KEY.slice(2)}\n`));
    assert.equal(await readValidatorKey(fromStdin, PASSWORD), KEY);
    assert.equal(await mode(fromStdin), 0o600);

    const keyFile = join(dir, "plain.key");
    await writeValidatorKey(keyFile, KEY, null);
    const fromFile = join(dir, "file.json");
    const io = fakeIo(env);
    await runKeysImport({ ...base, type: "validator", out: fromFile, keyFile, json: true }, io);
    assert.equal(JSON.parse(io.text()).address.toLowerCase(), ADDRESS);
    assert.deepEqual(JSON.parse(await readFile(fromFile, "utf8")).address, ADDRESS.slice(2));

    await assert.rejects(
      runKeysImport({ ...base, type: "validator", out: join(dir, "bad.json") }, fakeIo(env, "0x1234")),
      /the key on stdin is not a private key/,
    );
  });

  it("show prints the address only; the private key needs --reveal-private-key and the right password", async (t) => {
    const dir = await tempDir(t);
    const file = join(dir, "v.json");
    await writeValidatorKey(file, KEY, PASSWORD);
    const shown = fakeIo();
    await runKeysShow(file, { revealPrivateKey: false, json: true }, shown);
    const info = JSON.parse(shown.text());
    assert.deepEqual(
      { ...info, address: info.address.toLowerCase() },
      { file, type: "validator", format: "keystore", address: ADDRESS },
    );
    assert.doesNotMatch(shown.text(), new RegExp(KEY.slice(2)));

    const revealed = fakeIo({ OUTRIGGER_KEY_PASSWORD: PASSWORD });
    await runKeysShow(file, { revealPrivateKey: true, json: false }, revealed);
    assert.match(revealed.text(), new RegExp(`^private key ${KEY}$`, "m"));

    const wrong = join(dir, "wrong");
    await writeFile(wrong, "not it\n");
    await assert.rejects(
      runKeysShow(file, { revealPrivateKey: true, passwordFile: wrong, json: false }, fakeIo()),
      (err: unknown) =>
        err instanceof KeyFileError && err.message === `cannot decrypt ${file}: incorrect password`,
    );
    await assert.rejects(
      runKeysShow(file, { revealPrivateKey: true, json: false }, fakeIo()),
      (err: unknown) =>
        err instanceof UsageError && /--password-file FILE or set OUTRIGGER_KEY_PASSWORD/.test(err.message),
    );

    const address = fakeIo();
    await runKeysAddress(file, { json: false }, address);
    assert.equal(address.text().toLowerCase(), `${ADDRESS}\n`);
  });

  it("show warns about a file others can read", async (t) => {
    const dir = await tempDir(t);
    const file = join(dir, "plain.key");
    await writeValidatorKey(file, KEY, null);
    await chmod(file, 0o644);
    const io = fakeIo();
    await runKeysShow(file, { revealPrivateKey: false, json: false }, io);
    assert.deepEqual(io.warnings, [
      `warning: key file ${file} can be read by other users (mode 0644); run \`chmod 600 ${file}\``,
    ]);
    assert.doesNotMatch(io.text(), /private key/);
  });

  it("refuses to overwrite an existing file unless --force, which leaves it 0600", async (t) => {
    const dir = await tempDir(t);
    const out = join(dir, PEER_KEY_FILE);
    await runKeysNew({ ...base, type: "p2p", out }, fakeIo());
    const before = await readFile(out, "utf8");
    await assert.rejects(
      runKeysNew({ ...base, type: "p2p", out }, fakeIo()),
      (err: unknown) =>
        err instanceof KeyFileError && err.message.startsWith(`${out} already exists; pass --force`),
    );
    assert.equal(await readFile(out, "utf8"), before);

    const validator = join(dir, "v.json");
    await copyFile(out, validator);
    await chmod(validator, 0o644);
    const env = { OUTRIGGER_KEY_PASSWORD: PASSWORD };
    await assert.rejects(
      runKeysNew({ ...base, type: "validator", out: validator }, fakeIo(env)),
      /already exists/,
    );
    await runKeysNew({ ...base, type: "validator", out: validator, force: true }, fakeIo(env));
    assert.equal(await mode(validator), 0o600);
    assert.notEqual(await readFile(validator, "utf8"), before);
  });

  it("never takes a password or private key from argv, and needs a password for a keystore", async (t) => {
    const dir = await tempDir(t);
    const out = join(dir, "v.json");
    const env = { OUTRIGGER_KEY_PASSWORD: PASSWORD };
    const refused = (what: RegExp) => (err: unknown) => err instanceof UsageError && what.test(err.message);
    await assert.rejects(
      runKeysNew({ ...base, type: "validator", out, password: "secret" }, fakeIo(env)),
      refused(/a password is never read from the command line/),
    );
    await assert.rejects(
      runKeysImport({ ...base, type: "validator", out, privateKey: KEY }, fakeIo(env)),
      refused(/a private key is never read from the command line/),
    );
    await assert.rejects(
      runKeysShow(out, { revealPrivateKey: true, json: false, password: "secret" }, fakeIo()),
      refused(/a password is never read from the command line/),
    );
    await assert.rejects(
      runKeysNew({ ...base, type: "validator", out }, fakeIo()),
      refused(/a validator keystore needs a password/),
    );
    await assert.rejects(stat(out), /ENOENT/);
  });
});
