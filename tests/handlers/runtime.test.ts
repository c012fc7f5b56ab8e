import { strict as assert } from "node:assert";
import { cached } from "../../handlers/runtime";

describe("cached (the active-region flag's cache)", () => {
  it("loads once per time-to-live, shared by concurrent callers", async () => {
    let now = 0;
    let loads = 0;
    const value = cached(
      () => Promise.resolve(`v${++loads}`),
      5_000,
      () => now,
    );
    assert.deepEqual(await Promise.all([value(), value(), value()]), ["v1", "v1", "v1"]);
    now = 4_999;
    assert.equal(await value(), "v1");
    now = 5_000;
    assert.equal(await value(), "v2");
    assert.equal(loads, 2);
  });

  it("draws each load's time to live when given a function, so environments spread their reads", async () => {
    let now = 0;
    let loads = 0;
    const ttls = [5_000, 7_500];
    const value = cached(
      () => Promise.resolve(`v${++loads}`),
      () => ttls.shift() ?? 0,
      () => now,
    );
    assert.equal(await value(), "v1");
    now = 4_999;
    assert.equal(await value(), "v1");
    now = 5_000;
    assert.equal(await value(), "v2");
    now = 12_499;
    assert.equal(await value(), "v2");
    now = 12_500;
    assert.equal(await value(), "v3");
  });

  it("does not keep a failed load", async () => {
    let fail = true;
    const value = cached(
      () => (fail ? Promise.reject(new Error("unreachable")) : Promise.resolve("us-east-1")),
      5_000,
      () => 0,
    );
    await assert.rejects(value(), /unreachable/);
    fail = false;
    assert.equal(await value(), "us-east-1");
  });
});
