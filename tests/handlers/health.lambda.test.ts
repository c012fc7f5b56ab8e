import { strict as assert } from "node:assert";
import { stackPlan } from "../fixtures/plan";
import type { CheckResult } from "../../handlers/health";
import {
  type AwsStub,
  createPaymentsTable,
  type LocalDynamoDb,
  ssmParameter,
  startAwsStub,
  startDynamoDb,
} from "../../tools/harness/emulators";
import { runSerialized, serializedCode } from "../../tools/harness/serialized";

describe("health handler (serialized) against dynalite", function () {
  let db: LocalDynamoDb;
  let ssm: AwsStub;
  let code: string;
  let environment: Record<string, string>;

  before(async () => {
    db = await startDynamoDb();
    await createPaymentsTable(db, "acmepay-dev-payments");
    ssm = await startAwsStub({ "AmazonSSM.GetParameter": ssmParameter("us-east-1") });
    code = serializedCode(await stackPlan("dev"), "primary-compute-health");
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
