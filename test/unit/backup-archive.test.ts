/** The backup archive format on its own: secrets sealed, wrong passphrases and crafted headers refused. */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { ArchiveWriter, readArchive } from "../../src/cli/backup/archive.js";
import { Host, HostCreds } from "../../src/models/index.js";

const dir = mkdtempSync(join(tmpdir(), "commissaire-archive-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function archive(name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, `${lines.join("\n")}\n`);
  return path;
}

const creds = { address: "192.0.2.1", ssh_priv_key: "c2VjcmV0", remote_user: "root" };

test("records read back as written; secrets only sealed in the file", () => {
  const w = new ArchiveWriter("pass phrase");
  const lines = [
    w.headerLine(),
    w.recordLine(Host, { address: "192.0.2.1" }),
    w.recordLine(HostCreds, creds),
  ];
  assert.ok(!lines.join("\n").includes("c2VjcmV0"));
  const { header, records } = readArchive(archive("good", lines), "pass phrase");
  assert.equal(header.version, 1);
  assert.deepEqual(
    records.map((r) => [r.type.name, r.record.address]),
    [
      ["Host", "192.0.2.1"],
      ["HostCreds", "192.0.2.1"],
    ],
  );
  assert.equal(records[1]!.record.ssh_priv_key, "c2VjcmV0");
  assert.throws(() => readArchive(archive("good", lines), "other"), /good: wrong passphrase/);
});

test("an altered secret, an unsealed secret, a crafted scrypt cost and a newer format are refused", () => {
  const w = new ArchiveWriter("p");
  const sealed = JSON.parse(w.recordLine(HostCreds, creds));
  sealed.sealed.data = Buffer.from("tampered").toString("base64");
  assert.throws(
    () => readArchive(archive("altered", [w.headerLine(), JSON.stringify(sealed)]), "p"),
    /altered: line 2: wrong passphrase, or the archive was altered/,
  );
  const plain = JSON.stringify({ model_type_name: "HostCreds", record: creds });
  assert.throws(
    () => readArchive(archive("plain", [w.headerLine(), plain]), "p"),
    /line 2: HostCreds is a secret and is not sealed/,
  );
  const costly = { ...w.header, kdf: { ...w.header.kdf, N: 2 ** 30 } };
  assert.throws(
    () => readArchive(archive("costly", [JSON.stringify(costly)]), "p"),
    /no usable passphrase parameters/,
  );
  const newer = { ...w.header, version: 2 };
  assert.throws(
    () => readArchive(archive("newer", [JSON.stringify(newer)]), "p"),
    /format version 2; this release reads version 1/,
  );
});
