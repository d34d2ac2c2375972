/** The service-author kit: hooks, periodic tasks, subscriptions, ownership of the bus. */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  BusClosedError,
  CommissaireService,
  Host,
  NoRouteError,
  type ServiceOptions,
  StorageClient,
} from "../../src/index.js";
import { memoryBus, startTestService, waitFor } from "../../src/testing/index.js";

class Recorder extends CommissaireService {
  readonly name = "recorder";
  readonly events: string[] = [];
  failStart = false;
  failStop = false;
  hangStart = false;

  protected override async onStart(): Promise<void> {
    this.events.push("onStart");
    if (this.hangStart) await new Promise(() => undefined);
    if (this.failStart) throw new Error("cannot open the database");
  }
  protected override async onStop(): Promise<void> {
    this.events.push("onStop");
    if (this.failStop) throw new Error("cannot close the database");
  }
  on_ping(): string {
    this.events.push("ping");
    return "pong";
  }
}

test("onStart runs before the first request, onStop after the last; the bus stays open", async () => {
  const t = await startTestService((bus) => new Recorder({ bus }));
  assert.equal(await t.client.request("recorder.ping"), "pong");
  await t.service.stop(1000);
  assert.deepEqual(t.service.events, ["onStart", "ping", "onStop"]);
  // The service did not open the bus, so it did not close it.
  assert.equal(await t.service.bus.notify("nobody.listens"), 0);
  await t.close();
  await assert.rejects(t.service.bus.notify("x.y"), BusClosedError);
});

test("a failing onStart: start rejects, nothing is consumed, the failure is counted", async () => {
  const bus = memoryBus();
  const service = new Recorder({ bus });
  service.failStart = true;
  await assert.rejects(service.start(), /cannot open the database/);
  assert.equal(service.failures.hooks, 1);
  await assert.rejects(bus.request("recorder.ping", {}, { timeoutMs: 500 }), NoRouteError);
  await bus.close();
});

test("an onStart past its deadline fails the start; a failing onStop is logged and counted", async () => {
  const bus = memoryBus();
  const hanging = new Recorder({ bus, hookTimeoutMs: 50 });
  hanging.hangStart = true;
  await assert.rejects(hanging.start(), /onStart did not finish within 50 ms/);
  const failing = new Recorder({ bus });
  failing.failStop = true;
  await failing.start();
  const result = await failing.stop(1000);
  assert.equal(result.clean, true);
  assert.equal(failing.failures.hooks, 1);
  await bus.close();
});

class Ticker extends CommissaireService {
  readonly name = "ticker";
  ticks = 0;
  constructor(options: ServiceOptions) {
    super(options);
    this.every(5, () => {
      this.ticks += 1;
      if (this.ticks % 2 === 0) throw new Error("every other tick fails");
    });
  }
}

test("periodic tasks run while the service runs, survive failures and stop with it", async () => {
  const bus = memoryBus();
  const service = new Ticker({ bus });
  assert.equal(service.ticks, 0);
  await service.start();
  await waitFor(() => service.ticks >= 4, { what: "four ticks" });
  assert.ok(service.failures.timers >= 2);
  await service.stop(1000);
  const after = service.ticks;
  // Started again, the same task resumes: it was stopped, not forgotten.
  await service.start();
  await waitFor(() => service.ticks > after, { what: "a tick after the restart" });
  await service.stop(1000);
  await bus.close();
});

class Listener extends CommissaireService {
  readonly name = "listener";
  readonly storage = new StorageClient(this.bus, { subscriber: this });
  readonly seen: string[] = [];
  protected override async onStart(): Promise<void> {
    await this.subscribe("news.*", async (body) => {
      const text = String((body as { text?: unknown }).text);
      if (text === "bad") throw new Error("cannot handle bad news");
      this.seen.push(text);
    });
    await this.storage.onNotify(async (_event, model) => {
      if (model.address === "192.0.2.66") throw new Error("rejected in a notification callback");
      this.seen.push(String(model.address));
    }, Host);
  }
}

test("a rejected subscriber is counted and the subscription goes on; subscriptions close at stop", async () => {
  const t = await startTestService((bus) => new Listener({ bus }), { storage: true });
  const publish = (text: string) => t.client.publish("news.today", JSON.stringify({ text }));
  await publish("bad");
  await publish("good");
  await waitFor(() => t.service.seen.includes("good"), { what: "the good news" });
  await t.storage.save(Host, { address: "192.0.2.66" });
  await t.storage.save(Host, { address: "192.0.2.67" });
  await waitFor(() => t.service.seen.includes("192.0.2.67"), { what: "the second host" });
  assert.equal(t.service.failures.subscribers, 2);
  await t.service.stop(1000);
  assert.equal(await publish("late"), 0, "no queue is left bound after stop");
  await t.close();
});

test("a subscriber of the bus itself that rejects is counted, never fatal", async () => {
  const bus = memoryBus();
  const seen: number[] = [];
  const sub = await bus.subscribe("n.*", async (body) => {
    const n = (body as { n: number }).n;
    if (n === 1) throw new Error("rejected");
    seen.push(n);
  });
  await bus.publish("n.x", JSON.stringify({ n: 1 }));
  await bus.publish("n.x", JSON.stringify({ n: 2 }));
  await waitFor(() => seen.length === 1, { what: "the second message" });
  assert.equal(bus.subscriberFailures, 1);
  await sub.close();
  await bus.close();
});
