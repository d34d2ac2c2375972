import assert from "node:assert/strict";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { HostCreds } from "../../src/models/index.js";
import { FileStoreHandler } from "../../src/storage/handlers/file.js";
import { MemoryStoreHandler } from "../../src/storage/handlers/memory.js";
import { SecretFileStoreHandler } from "../../src/storage/handlers/secret-file.js";
import { handlerSuite, plainFixture } from "../helpers/handler-suite.js";

handlerSuite(
  "memory",
  async () => plainFixture(new MemoryStoreHandler({ name: "m", options: {}, env: {} })),
  async () => undefined,
);

let fileDir: string;
handlerSuite(
  "file",
  async () => {
    fileDir = mkdtempSync(join(tmpdir(), "commissaire-file-store-"));
    return plainFixture(
      new FileStoreHandler({ name: "f", options: { directory: fileDir }, env: {} }),
    );
  },
  async () => rmSync(fileDir, { recursive: true, force: true }),
);

let secretDir: string;
handlerSuite(
  "secret_file",
  async () => {
    secretDir = mkdtempSync(join(tmpdir(), "commissaire-secret-store-"));
    return {
      handler: new SecretFileStoreHandler({
        name: "s",
        options: { directory: secretDir },
        env: {},
      }),
      types: [HostCreds],
      record: (type, key, extra = {}) =>
        type.toJson(type.parse({ address: key, ssh_priv_key: "c2VjcmV0", ...extra })),
    };
  },
  async () => rmSync(secretDir, { recursive: true, force: true }),
);

test("the secret file store writes files only its owner can read", async () => {
  const dir = mkdtempSync(join(tmpdir(), "commissaire-secret-mode-"));
  try {
    const handler = new SecretFileStoreHandler({ name: "s", options: { directory: dir }, env: {} });
    await handler.save(HostCreds, "192.0.2.1", {
      address: "192.0.2.1",
      ssh_priv_key: "a2V5",
      remote_user: "root",
    });
    assert.equal(statSync(join(dir, "HostCreds", "192.0.2.1.json")).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, "HostCreds")).mode & 0o777, 0o700);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the file handler needs a directory", () => {
  assert.throws(
    () => new FileStoreHandler({ name: "f", options: {}, env: {} }),
    /option "directory" \(a path\) is required/,
  );
});
