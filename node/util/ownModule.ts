import { fileURLToPath } from "node:url";

/**
 * The node arguments that run one of the project's own modules as a child process, given relative to the caller
 * as its TypeScript source: through tsx from the sources, with plain node from the compiled copy in dist/ (same
 * layout, .js files), so what runs from dist/ (a container, the benches) never loads tsx.
 */
export function ownModuleArgs(callerUrl: string, relativeTsPath: string): string[] {
  const built = callerUrl.endsWith(".js");
  const target = built ? relativeTsPath.replace(/\.ts$/, ".js") : relativeTsPath;
  const path = fileURLToPath(new URL(target, callerUrl));
  return built ? [path] : ["--import", "tsx", path];
}
