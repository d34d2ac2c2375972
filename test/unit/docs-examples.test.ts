/** The files that docs show verbatim (`<!-- file: PATH -->` before a code block) are the real ones. */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

// dist/test/unit/ -> the repository root.
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const MARKED = /<!-- file: (\S+) -->\n```\w*\n([\s\S]*?)\n```/g;

test("every file a doc shows is shown exactly as it is", () => {
  const docs = readdirSync(join(ROOT, "docs")).filter((f) => f.endsWith(".md"));
  let shown = 0;
  for (const doc of docs) {
    const text = readFileSync(join(ROOT, "docs", doc), "utf8");
    for (const [, path, block] of text.matchAll(MARKED)) {
      const file = readFileSync(join(ROOT, path!), "utf8").trimEnd();
      assert.equal(block, file, `${doc} shows ${path} as it was, not as it is`);
      shown += 1;
    }
  }
  assert.ok(shown >= 2, "writing-a-service.md shows the example service and its test");
});
