import { readFile } from "node:fs/promises";
import { decryptKeystoreJson, isKeystoreJson } from "ethers";
import { type Hex, privateKeyToAddress } from "../node/crypto/index.ts";
import { errorMessage } from "../node/util/errors.ts";

/**
 * L1 keys for the bridge's two users, the CLI client and the relayer. Messages never echo a file's content: it is
 * (nearly) a private key.
 */
export class KeyFileError extends Error {
  override readonly name = "KeyFileError";
}

/** Checks a plain hex private key (with or without 0x) and returns it 0x-prefixed and lower case. */
export function parsePrivateKey(text: string, where = "the key"): Hex {
  const trimmed = text.trim();
  const hex = trimmed.startsWith("0x") || trimmed.startsWith("0X") ? trimmed.slice(2) : trimmed;
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
    throw new KeyFileError(`${where} is not a private key: expected 64 hex digits (or a keystore file)`);
  }
  try {
    privateKeyToAddress(`0x${hex.toLowerCase()}` as Hex);
  } catch {
    throw new KeyFileError(`${where} is not a valid secp256k1 private key`);
  }
  return `0x${hex.toLowerCase()}` as Hex;
}

/**
 * A key file holds a plain hex key or an encrypted JSON keystore (what the node and geth write), the latter
 * opened with `password` (the CLI takes it from OUTRIGGER_KEY_PASSWORD, like `outrigger node`).
 */
export async function readKeyFile(path: string, password: string | null): Promise<Hex> {
  let content: string;
  try {
    content = (await readFile(path, "utf8")).trim();
  } catch (err) {
    throw new KeyFileError(`cannot read key file ${path}: ${errorMessage(err)}`);
  }
  if (!isKeystoreJson(content)) return parsePrivateKey(content, `key file ${path}`);
  if (password === null) {
    throw new KeyFileError(`${path} is an encrypted keystore: set OUTRIGGER_KEY_PASSWORD`);
  }
  try {
    return (await decryptKeystoreJson(content, password)).privateKey.toLowerCase() as Hex;
  } catch (err) {
    throw new KeyFileError(`cannot decrypt ${path}: ${errorMessage(err)}`);
  }
}
