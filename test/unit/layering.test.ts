/**
 * DESIGN.md's layering, checked on the source: a folder of src/ imports only from its own layer
 * and the layers below it.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const SRC = fileURLToPath(new URL("../../../src/", import.meta.url));

/** Top to bottom. index.ts (the public API) and testing/ stand above everything. */
const LAYERS = [
  ["index.ts", "testing", "cli"],
  ["services"],
  ["storage"],
  ["remote"],
  ["containermgr"],
  ["models"],
  ["service"],
  ["config"],
  ["bus"],
  ["base"],
];

const rank = (path: string): number => {
  const top = relative(SRC, path).split(sep)[0]!;
  const i = LAYERS.findIndex((names) => names.includes(top));
  assert.notEqual(i, -1, `src/${top} is in no layer of DESIGN.md`);
  return i;
};

function* sources(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sources(path);
    else if (name.endsWith(".ts")) yield path;
  }
}

test("imports point only downwards", () => {
  const wrong: string[] = [];
  for (const file of sources(SRC)) {
    const text = readFileSync(file, "utf8");
    for (const [, spec] of text.matchAll(/from "(\.{1,2}\/[^"]+)"/g)) {
      const target = resolve(dirname(file), spec!);
      if (rank(target) < rank(file))
        wrong.push(`${relative(SRC, file)} imports ${relative(SRC, target)}`);
    }
  }
  assert.deepEqual(wrong, []);
});
