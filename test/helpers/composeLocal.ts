import { type ChildProcess, execFile, spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdir, readFile, symlink } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { parse } from "yaml";

/**
 * Runs the services of docker-compose.yml as local processes, with no Docker engine: each service's exact
 * entrypoint, command, environment and healthcheck, changed only where a container differs from a process on this
 * machine, and by rules that hold for every service:
 * - the image's working copy (/app) is this checkout (npm run build makes dist/ as the image does);
 * - each named volume is a folder, seen by a service at its mount points through a per-service root folder;
 * - each service has its own loopback address (127.x.y.z: Linux routes all of 127/8 to lo), which is what
 *   0.0.0.0 and 127.0.0.1 mean inside its container and what its service name resolves to elsewhere (in URLs,
 *   and in *_HOST / *_HOSTS variables, the compose file's way of naming hosts).
 */

const ROOT = resolve(import.meta.dirname, "../..");

interface ComposeService {
  entrypoint?: string[];
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  profiles?: string[];
  image?: string;
  build?: string;
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

export async function readCompose(path = join(ROOT, "docker-compose.yml")): Promise<ComposeFile> {
  return parse(await readFile(path, "utf8"), { merge: true }) as ComposeFile;
}

/** ENTRYPOINT and CMD of the Dockerfile, in their exec (JSON) form. */
export async function readImageDefaults(
  path = join(ROOT, "Dockerfile"),
): Promise<{ entrypoint: string[]; cmd: string[] }> {
  const text = await readFile(path, "utf8");
  const exec = (name: string) => {
    const line = text.split("\n").find((l) => l.startsWith(`${name} [`));
    if (line === undefined) throw new Error(`Dockerfile has no ${name} in exec form`);
    return JSON.parse(line.slice(name.length + 1)) as string[];
  };
  return { entrypoint: exec("ENTRYPOINT"), cmd: exec("CMD") };
}

/** Compose's ${NAME} and ${NAME:-default}, from `env`. */
export function interpolate(text: string, env: Record<string, string | undefined>): string {
  return text.replace(/\$\{([A-Z0-9_]+)(?::-([^}]*))?\}/g, (_m, name: string, fallback?: string) => {
    const value = env[name];
    return value === undefined || value === "" ? (fallback ?? "") : value;
  });
}

export interface LocalService {
  name: string;
  argv: string[];
  env: Record<string, string>;
  healthcheck: string[] | null;
  dependsOn: Record<string, string>;
}

export class ComposeLocal {
  private readonly children = new Map<string, ChildProcess>();

  private constructor(
    readonly services: Map<string, LocalService>,
    readonly addresses: Map<string, string>,
    private readonly dir: string,
  ) {}

  /** Lays out volumes and per-service roots under `dir`; services of an optional profile are left out. */
  static async create(dir: string, env: Record<string, string | undefined> = {}): Promise<ComposeLocal> {
    const compose = await readCompose();
    const image = await readImageDefaults();
    const names = Object.keys(compose.services).filter((n) => compose.services[n]?.profiles === undefined);
    // A random 127.a.b.0/24 per run, so a second run (or anything on 127.0.0.1) never shares a port with this one.
    const net = `127.${1 + Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;
    const addresses = new Map(names.map((n, i) => [n, `${net}.${10 + i}`]));
    const services = new Map<string, LocalService>();
    for (const name of names) {
      const spec = compose.services[name] as ComposeService;
      const own = addresses.get(name) as string;
      const root = join(dir, "roots", name);
      const mounts: string[] = [];
      for (const volume of spec.volumes ?? []) {
        const [source, target] = volume.split(":") as [string, string];
        if (source.startsWith(".")) throw new Error(`${name}: bind mounts are not run locally (${volume})`);
        const folder = join(dir, "volumes", source);
        await mkdir(folder, { recursive: true });
        await mkdir(dirname(join(root, target)), { recursive: true });
        await symlink(folder, join(root, target));
        mounts.push(target.split("/")[1] as string);
      }
      const localise = (text: string) =>
        localiseText(interpolate(text, env), { own, root, mounts, addresses });
      const environment = Object.fromEntries(
        Object.entries(spec.environment ?? {}).map(([k, v]) => [
          k,
          localise(/_HOSTS?$/.test(k) ? hostsFor(String(v), addresses) : String(v)),
        ]),
      );
      const argv = [...(spec.entrypoint ?? image.entrypoint), ...(spec.command ?? image.cmd)].map(localise);
      const test = spec.healthcheck?.test;
      services.set(name, {
        name,
        argv,
        env: environment,
        healthcheck: test === undefined ? null : test.slice(1).map(localise),
        dependsOn: Object.fromEntries(
          Object.entries(spec.depends_on ?? {}).map(([dep, { condition }]) => [dep, condition]),
        ),
      });
    }
    return new ComposeLocal(services, addresses, dir);
  }

  /** Starts a service (its own process group, so stop() reaches what it starts); output goes to <dir>/<name>.log. */
  start(name: string): ChildProcess {
    const service = this.service(name);
    const [command, ...args] = service.argv as [string, ...string[]];
    const child = spawn(command === "node" ? process.execPath : command, args, {
      cwd: ROOT,
      env: { ...process.env, ...service.env },
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const log = createWriteStream(join(this.dir, `${name}.log`), { flags: "a" });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    this.children.set(name, child);
    return child;
  }

  /** Runs the service's healthcheck once: true when it exits 0. */
  healthy(name: string): Promise<boolean> {
    const check = this.service(name).healthcheck;
    if (check === null) throw new Error(`${name} has no healthcheck`);
    const [command, ...args] = check as [string, ...string[]];
    return new Promise((done) => {
      execFile(command === "node" ? process.execPath : command, args, { cwd: ROOT, timeout: 15_000 }, (err) =>
        done(err === null),
      );
    });
  }

  /** Waits until the service has exited (for a one-shot job), returning its exit code. */
  exited(name: string): Promise<number | null> {
    const child = this.children.get(name);
    if (child === undefined) throw new Error(`${name} was not started`);
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
    return new Promise((done) => child.once("exit", (code) => done(code)));
  }

  url(name: string, port: number): string {
    return `http://${this.addresses.get(name)}:${port}`;
  }

  logFile(name: string): string {
    return join(this.dir, `${name}.log`);
  }

  /** SIGKILLs every process group this started (by pid), whatever state it is in. */
  stopAll(): void {
    for (const child of this.children.values()) {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) continue;
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
  }

  private service(name: string): LocalService {
    const service = this.services.get(name);
    if (service === undefined) throw new Error(`no service ${name} in docker-compose.yml`);
    return service;
  }
}

function localiseText(
  text: string,
  ctx: { own: string; root: string; mounts: string[]; addresses: Map<string, string> },
): string {
  let out = text.replace(/^\/app\//, `${ROOT}/`);
  for (const top of ctx.mounts) {
    // A path under a mount point, alone or as a flag's value (--state=/data/l1-state.json).
    out = out.replace(new RegExp(`(^|=)/${top}(?=/|$)`), `$1${ctx.root}/${top}`);
  }
  out = out.replace(/\b0\.0\.0\.0\b/g, ctx.own).replace(/\b127\.0\.0\.1\b/g, ctx.own);
  return out.replace(/:\/\/([a-z0-9-]+)(?=[:/]|$)/g, (m, host: string) => {
    const address = ctx.addresses.get(host);
    return address === undefined ? m : `://${address}`;
  });
}

function hostsFor(text: string, addresses: Map<string, string>): string {
  return text
    .split(/\s+/)
    .filter(Boolean)
    .map((host) => addresses.get(host) ?? host)
    .join(" ");
}
