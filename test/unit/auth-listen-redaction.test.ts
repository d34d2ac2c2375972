/** `commissaire listen` shows secret members as "[redacted]", also inside JSON texts. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { redactMessage } from "../../src/cli/commands/listen.js";

test("private keys, passwords and tokens are redacted at any depth, other members kept", () => {
  const key = "LS0tLS1CRUdJTiBPUEVOU1NIIFBSSVZBVEUgS0VZLS0tLS0K";
  const body = {
    jsonrpc: "2.0",
    method: "save",
    params: {
      model_type_name: "HostCreds",
      model_json_data: JSON.stringify({
        address: "192.0.2.1",
        ssh_priv_key: key,
        remote_user: "root",
      }),
      list: [{ password: "p", token: "t", keys: "k" }],
      options: {
        server_url: "https://etcd",
        certificate_key_path: "/etc/pki/key.pem",
        Authorization: "Basic x",
      },
    },
  };
  const out = redactMessage(body) as {
    params: {
      model_json_data: string;
      options: Record<string, string>;
      list: Array<Record<string, string>>;
    };
  };
  const text = JSON.stringify(out);
  for (const secret of [key, '"p"', '"t"', '"k"', "Basic x"])
    assert.equal(text.includes(secret), false, secret);
  assert.deepEqual(JSON.parse(out.params.model_json_data), {
    address: "192.0.2.1",
    ssh_priv_key: "[redacted]",
    remote_user: "root",
  });
  assert.equal(out.params.options.server_url, "https://etcd");
  assert.equal(out.params.options.certificate_key_path, "/etc/pki/key.pem");
  assert.equal(out.params.list[0]?.password, "[redacted]");
});

test("text that is not JSON and plain values pass through", () => {
  assert.equal(redactMessage("{not json"), "{not json");
  assert.equal(redactMessage(3), 3);
  assert.deepEqual(redactMessage(["a", null]), ["a", null]);
});
