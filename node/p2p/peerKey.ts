import { chmod, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from "@libp2p/crypto/keys";
import type { PrivateKey } from "@libp2p/interface";
import { peerIdFromPrivateKey } from "@libp2p/peer-id";
import { bytesToHex, hexToBytes } from "../crypto/index.ts";
import { errorMessage } from "../util/errors.ts";
import { exposedKeyFileReason } from "../util/keyFileMode.ts";
import { P2pError } from "./errors.ts";

/** The libp2p identity's file inside the node's home folder (separate from the validator key, DESIGN §2). */
export const PEER_KEY_FILE = "p2p-key.json";

interface PeerKeyFile {
  type: "Ed25519";
  /** libp2p's protobuf encoding of the private key, so other libp2p tools can import it. */
  privateKey: string;
  /** Stored for operators building bootstrap lists, and checked on load to catch a damaged file. */
  peerId: string;
}

/** Loads the node's ed25519 peer key from `home`, creating it (mode 0600) on first start. */
export async function loadOrCreatePeerKey(home: string): Promise<PrivateKey> {
  const path = join(home, PEER_KEY_FILE);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") {
      throw new P2pError("peer-key", `cannot read peer key file ${path}: ${errorMessage(err)}`, {
        cause: err,
      });
    }
    return createPeerKey(home, path);
  }
  // The file is this node's network identity: one others can read may already be copied.
  const exposed = await exposedKeyFileReason(path, "peer key file");
  if (exposed !== null) throw new P2pError("peer-key", exposed);
  return parsePeerKeyFile(text, path);
}

export function peerIdOf(key: PrivateKey): string {
  return peerIdFromPrivateKey(key).toString();
}

/** The file's text: what the node writes on first start and `outrigger keys new --type p2p` writes. */
export function encodePeerKeyFile(key: PrivateKey): string {
  const file: PeerKeyFile = {
    type: "Ed25519",
    privateKey: bytesToHex(privateKeyToProtobuf(key)),
    peerId: peerIdOf(key),
  };
  return `${JSON.stringify(file, null, 2)}\n`;
}

async function createPeerKey(home: string, path: string): Promise<PrivateKey> {
  const key = await generateKeyPair("Ed25519");
  // Write-then-rename: a crash mid-write leaves no half-written key that the next start would reject.
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    await mkdir(home, { recursive: true });
    await writeFile(tmp, encodePeerKeyFile(key), { mode: 0o600 });
    // mode applies only when writeFile creates the file; a leftover temp file keeps its old mode otherwise.
    await chmod(tmp, 0o600);
    await rename(tmp, path);
  } catch (err) {
    throw new P2pError("peer-key", `cannot create peer key file ${path}: ${errorMessage(err)}`, {
      cause: err,
    });
  }
  return key;
}

/** Decodes and checks a peer key file's text; `path` only names the file in errors. */
export function parsePeerKeyFile(text: string, path: string): PrivateKey {
  const corrupt = (reason: string, cause?: unknown): P2pError =>
    new P2pError(
      "peer-key",
      `peer key file ${path} is corrupt (${reason}); restore it from a backup, or delete it to start with a ` +
        "new peer id (peers that list the old id as a bootstrap address must then be updated)",
      { cause },
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw corrupt("not JSON", err);
  }
  if (typeof parsed !== "object" || parsed === null) throw corrupt("not a JSON object");
  const { type, privateKey, peerId } = parsed as Partial<Record<keyof PeerKeyFile, unknown>>;
  if (type !== "Ed25519") throw corrupt(`type must be "Ed25519", got ${JSON.stringify(type)}`);
  if (typeof privateKey !== "string" || typeof peerId !== "string") {
    throw corrupt("privateKey and peerId must be strings");
  }
  let key: PrivateKey;
  try {
    key = privateKeyFromProtobuf(hexToBytes(privateKey));
  } catch (err) {
    throw corrupt(`privateKey does not decode: ${errorMessage(err)}`, err);
  }
  if (key.type !== "Ed25519") throw corrupt(`privateKey is a ${key.type} key, not Ed25519`);
  const derived = peerIdOf(key);
  if (derived !== peerId) throw corrupt(`privateKey belongs to ${derived}, not the recorded ${peerId}`);
  return key;
}
