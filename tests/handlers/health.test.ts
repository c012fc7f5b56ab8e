import { strict as assert } from "node:assert";
import { type CheckResult, healthResponse, timedCheck } from "../../handlers/health";

const OK: CheckResult = { ok: true, latencyMs: 3 };
const DOWN: CheckResult = { ok: false, latencyMs: 1500, error: "Timeout" };

describe("health core", () => {
  const cases: [string, CheckResult, CheckResult, number, string][] = [
    ["the active region", OK, { ...OK, value: "us-east-1" }, 200, "active"],
    ["a ready standby", OK, { ...OK, value: "us-west-2" }, 200, "standby"],
    ["an unreachable table", DOWN, { ...OK, value: "us-east-1" }, 503, "active"],
    ["an unreadable flag", OK, DOWN, 503, "unknown"],
  ];
  for (const [what, table, activeRegion, status, role] of cases) {
    it(`answers ${status} (${role}) for ${what}`, () => {
      const response = healthResponse({ region: "us-east-1", table, activeRegion });
      assert.equal(response.statusCode, status);
      const body = JSON.parse(response.body) as { role: string; status: string };
      assert.equal(body.role, role);
      assert.equal(body.status, status === 200 ? "healthy" : "unhealthy");
    });
  }

  // ?role=active: the flag must name the region and its ledger must write.
  const active: [string, string, CheckResult | undefined, number][] = [
    ["the active writer", "us-east-1", OK, 200],
    ["a ready standby", "us-west-2", OK, 503],
    [
      "a returning old region: its flag names it, its ledger is a secondary",
      "us-east-1",
      DOWN,
      503,
    ],
    ["an active region whose ledger was not asked", "us-east-1", undefined, 503],
  ];
  for (const [what, flag, ledger, status] of active) {
    it(`answers ${status} to ?role=active for ${what}`, () => {
      const checks = {
        region: "us-east-1",
        table: OK,
        activeRegion: { ...OK, value: flag },
        ...(ledger === undefined ? {} : { ledger }),
      };
      assert.equal(healthResponse(checks, true).statusCode, status);
    });
  }

  it("fails a check that does not answer in time, and aborts it", async () => {
    let aborted = false;
    const result = await timedCheck(
      (signal) =>
        new Promise((resolve) => {
          signal.addEventListener("abort", () => {
            aborted = true;
            resolve(undefined);
          });
        }),
      50,
    );
    assert.deepEqual(
      { ok: result.ok, error: !result.ok && result.error },
      {
        ok: false,
        error: "Timeout",
      },
    );
    assert.ok(aborted);
  });

  it("names the error, never its message (the endpoint is public)", async () => {
    const result = await timedCheck(() =>
      Promise.reject(
        Object.assign(new Error("User: arn:aws:iam::111122223333:role/x is not authorized"), {
          name: "AccessDeniedException",
        }),
      ),
    );
    assert.equal(!result.ok && result.error, "AccessDeniedException");
  });
});
