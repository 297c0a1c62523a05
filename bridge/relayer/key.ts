import { readFile, stat } from "node:fs/promises";
import { type Address, type Hex, privateKeyToAddress } from "../../node/crypto/index.ts";
import { RelayerConfigError } from "./errors.ts";

export const RELAYER_KEY_ENV = "OUTRIGGER_RELAYER_KEY";

export interface RelayerKey {
  privateKey: Hex;
  address: Address;
  /** Set when the key file can be read by other users; the caller decides how loudly to say so. */
  warning: string | null;
}

/**
 * The relayer's L1 key, from a file or the environment and never from a flag, which `ps` would show to every
 * user of the machine. The key only pays gas, but whoever holds it can spend that gas.
 */
export async function readRelayerKey(
  keyFile: string | undefined,
  env: Record<string, string | undefined>,
): Promise<RelayerKey> {
  // Empty counts as unset: compose files often pass `VAR=${VAR}` through whether it is set or not.
  const fromEnv = env[RELAYER_KEY_ENV] || undefined;
  if (keyFile !== undefined && fromEnv !== undefined) {
    throw new RelayerConfigError(`give the L1 key either with --key-file or in ${RELAYER_KEY_ENV}, not both`);
  }
  let text: string;
  let source: string;
  let warning: string | null = null;
  if (keyFile !== undefined) {
    source = keyFile;
    try {
      text = await readFile(keyFile, "utf8");
      // Group- or world-readable keys are a common slip; worth a warning, not a refusal (containers, CI).
      if (((await stat(keyFile)).mode & 0o077) !== 0) {
        warning = `${keyFile} can be read by other users; chmod 600 it`;
      }
    } catch (err) {
      throw new RelayerConfigError(`cannot read the key file ${keyFile}: ${(err as Error).message}`);
    }
  } else if (fromEnv !== undefined) {
    source = RELAYER_KEY_ENV;
    text = fromEnv;
  } else {
    throw new RelayerConfigError(`the relayer needs an L1 key: --key-file <file> or ${RELAYER_KEY_ENV}`);
  }
  const trimmed = text.trim();
  // The message never echoes the content: it is (nearly) a private key.
  if (!/^(0x)?[0-9a-fA-F]{64}$/.test(trimmed)) {
    throw new RelayerConfigError(`${source} does not hold a private key (64 hex digits, one line)`);
  }
  const privateKey = (trimmed.startsWith("0x") ? trimmed : `0x${trimmed}`).toLowerCase() as Hex;
  let address: Address;
  try {
    address = privateKeyToAddress(privateKey);
  } catch {
    throw new RelayerConfigError(`${source} does not hold a valid secp256k1 private key`);
  }
  return { privateKey, address, warning };
}
