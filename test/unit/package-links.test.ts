/**
 * Links in the documentation that ships in the npm package work from the package: every relative
 * link of README.md, docs/ and deploy/ points at a file that exists and that package.json "files"
 * includes (links elsewhere are absolute URLs). The LICENSE is the full GPL text and ships too.
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { test } from "node:test";
import { ROOT } from "../helpers/deploy-units.js";

const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  files: string[];
  license: string;
};

const shipped = (path: string) =>
  pkg.files.some((f) => path === f || path.startsWith(`${f}/`)) || path === "package.json";

function markdownFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(ROOT, path)).isDirectory()) return markdownFiles(path);
    return path.endsWith(".md") ? [path] : [];
  });
}

test("every relative link of the shipped documentation points at a shipped file", () => {
  const docs = ["README.md", ...markdownFiles("docs"), ...markdownFiles("deploy")];
  assert.ok(docs.every(shipped), "the documentation itself ships");
  const broken: string[] = [];
  for (const doc of docs) {
    const text = readFileSync(join(ROOT, doc), "utf8");
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target!) || target!.startsWith("#")) continue;
      const path = relative(ROOT, resolve(ROOT, dirname(doc), target!.split("#")[0]!));
      if (!existsSync(join(ROOT, path)) || !shipped(path)) broken.push(`${doc}: ${target}`);
    }
  }
  assert.deepEqual(broken, []);
});

test("LICENSE holds the GPL version 3 that package.json names, and ships", () => {
  assert.equal(pkg.license, "GPL-3.0-or-later");
  assert.ok(shipped("LICENSE"));
  const text = readFileSync(join(ROOT, "LICENSE"), "utf8");
  assert.match(text, /GNU GENERAL PUBLIC LICENSE\s+Version 3, 29 June 2007/);
  assert.match(text, /END OF TERMS AND CONDITIONS/);
});
