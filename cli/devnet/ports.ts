import { createServer } from "node:net";

/** A port the devnet is about to bind, and what to tell the user if it cannot. */
export interface PlannedPort {
  port: number;
  /** What listens there, e.g. "the L1" or "validator 2's RPC". */
  what: string;
  /** How to choose another, e.g. "choose another with --l1-port". */
  remedy: string;
}

export class PortInUseError extends Error {
  override readonly name = "PortInUseError";
}

/** Whether something already listens on host:port (or the port cannot be bound for another reason). */
export function portFree(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * Fails with one line naming the first busy port and how to change it, before anything starts: a busy port found
 * later would leave an L1 deployed and nodes half up. Port 0 (a free port picked at bind time) is never busy. The
 * check and the bind are not atomic; the process that binds later still reports its own error.
 */
export async function checkPortsFree(ports: readonly PlannedPort[], host = "127.0.0.1"): Promise<void> {
  for (const p of ports) {
    if (p.port === 0) continue;
    if (!(await portFree(p.port, host)))
      throw new PortInUseError(`port ${p.port} (${p.what}) is already in use; ${p.remedy}`);
  }
}
