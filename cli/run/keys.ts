import { readFile } from "node:fs/promises";
import { generatePrivateKey, type Hex } from "../../node/crypto/index.ts";
import { peerIdOf } from "../../node/p2p/peerKey.ts";
import { errorMessage } from "../../node/util/errors.ts";
import { exposedKeyFileReason } from "../../node/util/keyFileMode.ts";
import { type ArgvSecretFlags, refuseArgvSecrets } from "../format/argvSecrets.ts";
import { UsageError } from "../format/errors.ts";
import { type Output, stdoutOutput, toJson } from "../format/output.ts";
import {
  checksummedAddress,
  encryptValidatorKey,
  inspectKeyFile,
  KeyFileError,
  type KeyFileInfo,
  type KeyType,
  newPeerKey,
  parseHexPrivateKey,
  revealPrivateKey,
  writeNewKeyFile,
} from "../keys/keyFiles.ts";
import { PASSWORD_ENV, readPassword, requirePassword } from "../keys/password.ts";

/** What the keys commands read and write besides files: swapped for buffers in tests. */
export interface KeysIo {
  out: Output;
  /** Diagnostics that are not the result (a warning about a file's mode). */
  warn: (line: string) => void;
  env: NodeJS.ProcessEnv;
  readStdin: () => Promise<string>;
}

type SecretFlags = ArgvSecretFlags;

export interface KeysNewFlags extends SecretFlags {
  type: KeyType;
  out: string;
  passwordFile?: string;
  force: boolean;
  json: boolean;
}

export interface KeysImportFlags extends SecretFlags {
  type: "validator";
  out: string;
  keyFile?: string;
  passwordFile?: string;
  force: boolean;
  json: boolean;
}

export interface KeysShowFlags extends SecretFlags {
  revealPrivateKey: boolean;
  passwordFile?: string;
  json: boolean;
}

export interface KeysAddressFlags {
  json: boolean;
}

const refuseSecrets = (flags: SecretFlags) =>
  refuseArgvSecrets(flags, { passwordEnv: PASSWORD_ENV, keyHint: "stdin or --key-file FILE" });

/** `keys new`: a fresh validator keystore (encrypted) or p2p identity (the node's own plain 0600 format). */
export async function runKeysNew(flags: KeysNewFlags, io: KeysIo): Promise<void> {
  refuseSecrets(flags);
  if (flags.type === "p2p") {
    if (flags.passwordFile !== undefined)
      throw new UsageError(
        "p2p keys are not encrypted (the node loads them unattended); drop --password-file",
      );
    const { key, content } = await newPeerKey();
    await writeNewKeyFile(flags.out, content, flags.force);
    return report(io, flags.json, { file: flags.out, type: "p2p", peerId: peerIdOf(key) }, [
      `p2p key written to ${flags.out}`,
      `peer id  ${peerIdOf(key)}`,
    ]);
  }
  const password = await requirePassword(flags.passwordFile, io.env, "a validator keystore");
  await writeValidatorKeystore(flags, generatePrivateKey(), password, io);
}

/** `keys import`: an existing hex validator key (stdin or --key-file) into an encrypted keystore. */
export async function runKeysImport(flags: KeysImportFlags, io: KeysIo): Promise<void> {
  refuseSecrets(flags);
  const password = await requirePassword(flags.passwordFile, io.env, "a validator keystore");
  const privateKey =
    flags.keyFile === undefined
      ? parseHexPrivateKey(await io.readStdin(), "the key on stdin")
      : parseHexPrivateKey(await readKeyText(flags.keyFile), `key file ${flags.keyFile}`);
  await writeValidatorKeystore(flags, privateKey, password, io);
}

/** `keys show FILE`: what the file is and whose key; the private key only when asked for by name. */
export async function runKeysShow(file: string, flags: KeysShowFlags, io: KeysIo): Promise<void> {
  refuseSecrets(flags);
  const info = await inspectKeyFile(file);
  const exposed = await exposedKeyFileReason(file, "key file");
  if (exposed !== null) io.warn(`warning: ${exposed}`);
  const shown: Record<string, string> = { file, type: info.type, format: info.format, ...identity(info) };
  if (flags.revealPrivateKey) {
    const password =
      info.format === "keystore" ? await requirePassword(flags.passwordFile, io.env, file) : null;
    shown.privateKey = await revealPrivateKey(info, file, password);
  } else if (flags.passwordFile !== undefined) {
    // A password given without --reveal-private-key is checked, so `show` can confirm it opens the keystore.
    const password = await readPassword(flags.passwordFile, io.env);
    if (info.format === "keystore") await revealPrivateKey(info, file, password);
  }
  const labels: Record<string, string> = { privateKey: "private key", peerId: "peer id" };
  const width = 12;
  return report(
    io,
    flags.json,
    shown,
    Object.entries(shown).map(([k, v]) => `${(labels[k] ?? k).padEnd(width)}${v}`),
  );
}

/** `keys address FILE`: the address (validator) or peer id (p2p) alone, for scripts. */
export async function runKeysAddress(file: string, flags: KeysAddressFlags, io: KeysIo): Promise<void> {
  const info = await inspectKeyFile(file);
  const id = identity(info);
  report(io, flags.json, id, [Object.values(id)[0] as string]);
}

async function writeValidatorKeystore(
  flags: { out: string; force: boolean; json: boolean },
  privateKey: Hex,
  password: string,
  io: KeysIo,
): Promise<void> {
  await writeNewKeyFile(flags.out, await encryptValidatorKey(privateKey, password), flags.force);
  const address = checksummedAddress(privateKey);
  report(io, flags.json, { file: flags.out, type: "validator", address }, [
    `validator keystore written to ${flags.out}`,
    `address  ${address}`,
  ]);
}

async function readKeyText(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (err) {
    throw new KeyFileError(`cannot read key file ${path}: ${errorMessage(err)}`);
  }
}

function identity(info: KeyFileInfo): { address: string } | { peerId: string } {
  return info.type === "p2p" ? { peerId: info.peerId } : { address: info.address };
}

function report(io: KeysIo, json: boolean, value: object, lines: string[]): void {
  io.out.write(json ? `${toJson(value)}\n` : `${lines.join("\n")}\n`);
}

async function readAllStdin(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write("paste the hex private key, then press Ctrl-D\n");
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export const processIo: KeysIo = {
  out: stdoutOutput,
  warn: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
  readStdin: readAllStdin,
};
