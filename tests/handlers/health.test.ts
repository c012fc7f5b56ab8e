import { strict as assert } from "node:assert";
import { evaluate } from "../../tools/engine/engine";
import { type CheckResult, healthResponse, timedCheck } from "../../handlers/health";
import {
  type AwsStub,
  createPaymentsTable,
  type LocalDynamoDb,
  ssmParameter,
  startAwsStub,
  startDynamoDb,
} from "../../tools/harness/emulators";
import { runSerialized, serializedCode } from "../../tools/harness/serialized";

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

  it("fails a ready standby when the caller requires the active writer (?role=active)", () => {
    const standby = { region: "us-east-1", table: OK, activeRegion: { ...OK, value: "us-west-2" } };
    assert.equal(healthResponse(standby, true).statusCode, 503);
    assert.equal(healthResponse({ ...standby, region: "us-west-2" }, true).statusCode, 200);
  });

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

describe("health handler (serialized) against dynalite", function () {
  let db: LocalDynamoDb;
  let ssm: AwsStub;
  let code: string;
  let environment: Record<string, string>;

  before(async () => {
    db = await startDynamoDb();
    await createPaymentsTable(db, "acmepay-dev-payments");
    ssm = await startAwsStub({ "AmazonSSM.GetParameter": ssmParameter("us-east-1") });
    code = serializedCode(await evaluate({ stack: "dev" }), "primary-compute-health");
    environment = {
      PAYMENTS_TABLE: "acmepay-dev-payments",
      ACTIVE_REGION_PARAMETER: "acmepay-dev-active-region",
      AWS_ENDPOINT_URL_DYNAMODB: db.endpoint,
      AWS_ENDPOINT_URL_SSM: ssm.endpoint,
    };
  });

  after(async () => {
    await db.close();
    await ssm.close();
  });

  const bodyOf = (result: unknown) =>
    JSON.parse((result as { body: string }).body) as {
      status: string;
      role: string;
      checks: { table: CheckResult };
    };

  it("answers 200 for the active region with a reachable table", async () => {
    const run = await runSerialized(code, {}, environment);
    assert.equal((run.result as { statusCode: number }).statusCode, 200);
    const body = bodyOf(run.result);
    assert.equal(body.role, "active");
    assert.equal(body.checks.table.ok, true);
  });

  it("answers 200 as a standby in the other region", async () => {
    const run = await runSerialized(code, {}, { ...environment, AWS_REGION: "us-west-2" });
    assert.equal((run.result as { statusCode: number }).statusCode, 200);
    assert.equal(bodyOf(run.result).role, "standby");
  });

  it("answers 503 to ?role=active in the standby region", async () => {
    const run = await runSerialized(
      code,
      { queryStringParameters: { role: "active" } },
      { ...environment, AWS_REGION: "us-west-2" },
    );
    assert.equal((run.result as { statusCode: number }).statusCode, 503);
    assert.equal(bodyOf(run.result).role, "standby");
  });

  it("answers 503 when the table is missing", async () => {
    const run = await runSerialized(code, {}, { ...environment, PAYMENTS_TABLE: "no-such-table" });
    assert.equal((run.result as { statusCode: number }).statusCode, 503);
    assert.deepEqual(bodyOf(run.result).checks.table, {
      ok: false,
      latencyMs: bodyOf(run.result).checks.table.latencyMs,
      error: "ResourceNotFoundException",
    });
  });
});
