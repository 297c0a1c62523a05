import hre from "hardhat";

interface HardhatServer {
  listen(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
}

/** The in-process hardhat chain behind a real HTTP JSON-RPC endpoint on a free port: the path any L1 client takes. */
export async function serveHardhatOverHttp(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = (await hre.run("node:create-server", {
    hostname: "127.0.0.1",
    port: 0,
    provider: hre.network.provider,
  })) as HardhatServer;
  const { address, port } = await server.listen();
  return { url: `http://${address}:${port}/`, close: () => server.close() };
}
