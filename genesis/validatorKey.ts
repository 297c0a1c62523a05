import { chmod, readFile, writeFile } from "node:fs/promises";
import { ConfigError } from "../node/config/errors.ts";
import { type Hex, isHex, privateKeyToAddress } from "../node/crypto/index.ts";
import { errorMessage } from "../node/util/errors.ts";
import { exposedKeyFileReason } from "../node/util/keyFileMode.ts";

/**
 * A validator key file is either an ethers/Web3 secret-storage keystore (JSON, for real networks) or a plain
 * 0x-prefixed hex key (devnet only). Files are written 0600.
 */
export async function writeValidatorKey(path: string, key: Hex, password: string | null): Promise<void> {
  const content =
    password === null
      ? `${key}\n`
      : await (await keystores()).encryptKeystoreJson(
          { address: privateKeyToAddress(key), privateKey: key },
          password,
        );
  await writeFile(path, content, { mode: 0o600 });
  await chmod(path, 0o600);
}

/** The node's loader: refuses a key file that group or others can read, before decrypting anything. */
export async function readValidatorKey(path: string, password: string | null): Promise<Hex> {
  let content: string;
  let exposed: string | null;
  try {
    content = (await readFile(path, "utf8")).trim();
    exposed = await exposedKeyFileReason(path, "validator key");
  } catch (err) {
    throw new ConfigError(`cannot read validator key ${path}: ${errorMessage(err)}`);
  }
  if (exposed !== null) throw new ConfigError(exposed);
  // Only a JSON object can be a keystore: a node with a plain hex key never loads ethers' wallet code.
  const wallet = content.startsWith("{") ? await keystores() : null;
  if (wallet?.isKeystoreJson(content)) {
    if (password === null)
      throw new ConfigError(`${path} is an encrypted keystore: set OUTRIGGER_KEY_PASSWORD`);
    try {
      return (await wallet.decryptKeystoreJson(content, password)).privateKey.toLowerCase() as Hex;
    } catch (err) {
      throw new ConfigError(`cannot decrypt ${path}: ${errorMessage(err)}`);
    }
  }
  if (!isHex(content, 32))
    throw new ConfigError(`${path}: expected a keystore or a 0x-prefixed 32-byte hex key`);
  try {
    privateKeyToAddress(content);
  } catch (err) {
    throw new ConfigError(`${path}: ${errorMessage(err)}`);
  }
  return content.toLowerCase() as Hex;
}

/** ethers' wallet (with its wordlists) costs a node ~10 MB of memory: loaded only for an encrypted keystore. */
function keystores(): Promise<typeof import("ethers/wallet")> {
  return import("ethers/wallet");
}
