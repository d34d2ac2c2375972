/** The package version, read once from package.json next to the build. */
import { readFileSync } from "node:fs";

let cached: string | undefined;

export function packageVersion(): string {
  if (cached === undefined) {
    // The build runs as dist/src/base/version.js: three levels below the package root.
    const url = new URL("../../../package.json", import.meta.url);
    try {
      cached = (JSON.parse(readFileSync(url, "utf8")) as { version: string }).version;
    } catch {
      cached = "unknown";
    }
  }
  return cached;
}
