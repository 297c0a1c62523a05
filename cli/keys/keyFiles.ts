import { chmod, readFile, writeFile } from "node:fs/promises";
import { generateKeyPair, privateKeyToProtobuf } from "@libp2p/crypto/keys";
import type { PrivateKey } from "@libp2p/interface";
import { decryptKeystoreJson, encryptKeystoreJson, getAddress, isKeystoreJson } from "ethers";
import { bytesToHex, type Hex, isHex, privateKeyToAddress } from "../../node/crypto/index.ts";
import { encodePeerKeyFile, parsePeerKeyFile, peerIdOf } from "../../node/p2p/peerKey.ts";
import { errorMessage } from "../../node/util/errors.ts";

/** A key file that cannot be created, read or opened; the message names the file and never its content. */
export class KeyFileError extends Error {
  override readonly name = "KeyFileError";
}

export type KeyType = "validator" | "p2p";

/** What a key file holds, read without a password where the format allows (a keystore records its address). */
export type KeyFileInfo =
  | { type: "validator"; format: "keystore"; address: Hex; keystore: string }
  | { type: "validator"; format: "hex"; address: Hex; privateKey: Hex }
  | { type: "p2p"; format: "libp2p-json"; peerId: string; key: PrivateKey };

/** Writes a new key file with mode 0600; an existing file is kept unless `force`. */
export async function writeNewKeyFile(path: string, content: string, force: boolean): Promise<void> {
  try {
    await writeFile(path, content, { mode: 0o600, flag: force ? "w" : "wx" });
    // mode applies only when the file is created; an overwritten file keeps its old mode otherwise.
    await chmod(path, 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST")
      throw new KeyFileError(`${path} already exists; pass --force to overwrite it (its key is then lost)`);
    throw new KeyFileError(`cannot write ${path}: ${errorMessage(err)}`);
  }
}

export async function encryptValidatorKey(privateKey: Hex, password: string): Promise<string> {
  return `${await encryptKeystoreJson({ address: privateKeyToAddress(privateKey), privateKey }, password)}\n`;
}

export async function newPeerKey(): Promise<{ key: PrivateKey; content: string }> {
  const key = await generateKeyPair("Ed25519");
  return { key, content: encodePeerKeyFile(key) };
}

/** A hex private key as pasted by an operator: 64 hex digits, 0x optional, surrounding whitespace ignored. */
export function parseHexPrivateKey(text: string, where: string): Hex {
  const trimmed = text.trim();
  const hex = (/^0x/i.test(trimmed) ? `0x${trimmed.slice(2)}` : `0x${trimmed}`).toLowerCase();
  if (!isHex(hex, 32)) throw new KeyFileError(`${where} is not a private key: expected 64 hex digits`);
  try {
    privateKeyToAddress(hex);
  } catch {
    throw new KeyFileError(`${where} is not a valid secp256k1 private key`);
  }
  return hex;
}

export async function inspectKeyFile(path: string): Promise<KeyFileInfo> {
  let text: string;
  try {
    text = (await readFile(path, "utf8")).trim();
  } catch (err) {
    throw new KeyFileError(`cannot read key file ${path}: ${errorMessage(err)}`);
  }
  if (isKeystoreJson(text)) {
    const recorded = (JSON.parse(text) as { address?: unknown }).address;
    if (typeof recorded !== "string" || !/^(0x)?[0-9a-fA-F]{40}$/.test(recorded))
      throw new KeyFileError(`keystore ${path} records no address; open it with --reveal-private-key`);
    const address = getAddress(recorded.startsWith("0x") ? recorded : `0x${recorded}`) as Hex;
    return { type: "validator", format: "keystore", address, keystore: text };
  }
  if (isHex(text, 32)) {
    const privateKey = parseHexPrivateKey(text, `key file ${path}`);
    return { type: "validator", format: "hex", address: checksummedAddress(privateKey), privateKey };
  }
  if (text.startsWith("{")) {
    try {
      const key = parsePeerKeyFile(text, path);
      return { type: "p2p", format: "libp2p-json", peerId: peerIdOf(key), key };
    } catch (err) {
      throw new KeyFileError(errorMessage(err));
    }
  }
  throw new KeyFileError(`${path} is not a validator keystore, a hex validator key or a p2p key file`);
}

/** The private key of an inspected file: a keystore is decrypted with `password`. */
export async function revealPrivateKey(
  info: KeyFileInfo,
  path: string,
  password: string | null,
): Promise<Hex> {
  if (info.type === "p2p") return bytesToHex(privateKeyToProtobuf(info.key));
  if (info.format === "hex") return info.privateKey;
  if (password === null) throw new KeyFileError(`${path} is an encrypted keystore: a password is needed`);
  let privateKey: Hex;
  try {
    privateKey = (await decryptKeystoreJson(info.keystore, password)).privateKey.toLowerCase() as Hex;
  } catch (err) {
    // ethers' short message ("incorrect password") without its debugging suffix.
    const short = (err as { shortMessage?: unknown }).shortMessage;
    throw new KeyFileError(
      `cannot decrypt ${path}: ${typeof short === "string" ? short : errorMessage(err)}`,
    );
  }
  return privateKey;
}

export function checksummedAddress(privateKey: Hex): Hex {
  return getAddress(privateKeyToAddress(privateKey)) as Hex;
}
