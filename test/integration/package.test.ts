/**
 * The package as a project of its own uses it: `npm pack`, installed into a fresh project, the
 * example service and its test of docs/writing-a-service.md typechecked with --strict and run.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const version = (name: string) =>
  (
    JSON.parse(readFileSync(join(ROOT, "node_modules", name, "package.json"), "utf8")) as {
      version: string;
    }
  ).version;

let dir: string;
let project: string;

function run(command: string, args: string[], cwd: string) {
  // Without the test runner's own variable, or the inner `node --test` would not run its files.
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  const result = spawnSync(command, args, { cwd, env, encoding: "utf8", timeout: 180_000 });
  return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), "commissaire-pack-"));
  // dist/ is already built by the test command: pack it as it is.
  const packed = execFileSync(
    "npm",
    ["pack", "--ignore-scripts", "--silent", "--pack-destination", dir],
    { cwd: ROOT, encoding: "utf8" },
  );
  const tarball = join(dir, packed.trim().split("\n").pop()!);
  project = join(dir, "consumer");
  mkdirSync(join(project, "src"), { recursive: true });
  writeFileSync(
    join(project, "package.json"),
    JSON.stringify({
      name: "inventory-consumer",
      private: true,
      type: "module",
      dependencies: { "commissaire-ts": `file:${tarball}` },
      devDependencies: { typescript: version("typescript"), "@types/node": version("@types/node") },
    }),
  );
  writeFileSync(
    join(project, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        strict: true,
        outDir: "dist",
        rootDir: "src",
        types: ["node"],
      },
      include: ["src"],
    }),
  );
  for (const file of ["service.ts", "service.test.ts"])
    copyFileSync(join(ROOT, "docs/examples/inventory", file), join(project, "src", file));
  const install = run(
    "npm",
    ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts"],
    project,
  );
  assert.equal(install.status, 0, install.output);
});

after(() => rmSync(dir, { recursive: true, force: true }));

test("the packed package typechecks with --strict and the example service's test passes", () => {
  const tsc = run(join(project, "node_modules/.bin/tsc"), ["-p", "."], project);
  assert.equal(tsc.status, 0, tsc.output);
  const tests = run(process.execPath, ["--test", "dist/"], project);
  assert.equal(tests.status, 0, tests.output);
  assert.match(tests.output, /# pass 1\b/);
  assert.match(tests.output, /# fail 0\b/);
});

test("a handler's params are typed by its schema: a wrong use does not compile", () => {
  writeFileSync(
    join(project, "src", "wrong.ts"),
    [
      'import { CommissaireService, withParams, z } from "commissaire-ts";',
      "export class Wrong extends CommissaireService {",
      '  readonly name = "wrong";',
      "  on_add = withParams(z.object({ x: z.number() }), ({ x }) => x.toUpperCase());",
      "}",
      "",
    ].join("\n"),
  );
  try {
    const tsc = run(join(project, "node_modules/.bin/tsc"), ["-p", ".", "--noEmit"], project);
    assert.notEqual(tsc.status, 0);
    assert.match(tsc.output, /wrong\.ts.*Property 'toUpperCase' does not exist on type 'number'/);
  } finally {
    rmSync(join(project, "src", "wrong.ts"));
  }
});
