import { createNetwork } from "../genesis/network.ts";

export interface GenesisFlags {
  out: string;
  validators: number;
  chainId: bigint;
  p2pBasePort: number;
  rpcBasePort: number;
  encrypt: boolean;
}

/** `outrigger genesis`: node homes for a new network, each bootstrapping from the others. */
export async function runGenesis(flags: GenesisFlags): Promise<void> {
  const password = flags.encrypt ? process.env.OUTRIGGER_KEY_PASSWORD : null;
  if (flags.encrypt && !password)
    throw new Error("--encrypt needs the keystore password in OUTRIGGER_KEY_PASSWORD");
  const range = (base: number) => Array.from({ length: flags.validators }, (_, i) => base + i);
  const layout = await createNetwork({
    dir: flags.out,
    validators: flags.validators,
    chainId: flags.chainId,
    ports: { p2p: range(flags.p2pBasePort), rpc: range(flags.rpcBasePort) },
    keyPassword: password ?? null,
  });
  process.stdout.write(`genesis written to ${flags.out} (chain id ${layout.genesis.chainId})\n`);
  for (const n of layout.nodes)
    process.stdout.write(`  ${n.home}  validator ${n.address}  rpc ${n.rpcUrl}\n`);
}
