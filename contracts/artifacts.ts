import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { InterfaceAbi } from "ethers";
import { packageRoot } from "../node/util/packageRoot.ts";

/** Where `hardhat compile` writes artifacts (see hardhat.config.cjs); build output, not committed. */
export const DEFAULT_ARTIFACTS_DIR = join(packageRoot(import.meta.dirname), "artifacts");

/** The part of a hardhat artifact that deploying and calling a contract needs. */
export interface ContractArtifact {
  contractName: string;
  abi: InterfaceAbi;
  bytecode: string;
}

export class ArtifactError extends Error {
  override readonly name = "ArtifactError";
}

/**
 * Reads `<artifactsDir>/contracts/<source>.sol/<name>.json`. Reading the JSON instead of going through hardhat
 * keeps deployment usable against any JSON-RPC L1 from a process that never loads hardhat.
 */
export async function loadArtifact(
  contractName: string,
  options: { source?: string; artifactsDir?: string } = {},
): Promise<ContractArtifact> {
  const source = options.source ?? contractName;
  const file = join(
    options.artifactsDir ?? DEFAULT_ARTIFACTS_DIR,
    "contracts",
    `${source}.sol`,
    `${contractName}.json`,
  );
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw new ArtifactError(
      `no artifact for ${contractName} at ${file} (run \`npm run compile:contracts\` first): ${(err as Error).message}`,
    );
  }
  const parsed: unknown = JSON.parse(text);
  if (
    typeof parsed !== "object" ||
    parsed === null ||
    !("abi" in parsed) ||
    !Array.isArray(parsed.abi) ||
    !("bytecode" in parsed) ||
    typeof parsed.bytecode !== "string" ||
    !parsed.bytecode.startsWith("0x")
  ) {
    throw new ArtifactError(`${file} is not a hardhat artifact`);
  }
  return { contractName, abi: parsed.abi, bytecode: parsed.bytecode };
}
