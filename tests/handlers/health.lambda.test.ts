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

/**
 * The health handler as deployed, against dynalite, an SSM stub (GetParameter answers the Value)
 * and a Data API stub that answers a statement on the writer and fails it where the global
 * database has no writer ("read and write queries sent to the secondary cluster fail while it
 * lacks a writer instance":
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/data-api.limitations.html).
 */
describe("health handler (serialized) against dynalite", function () {
  let db: LocalDynamoDb;
  let ssm: AwsStub;
  let ledgerWrites = true;
  let code: string;
  let environment: Record<string, string>;

  before(async () => {
    db = await startDynamoDb();
    await createPaymentsTable(db, "acmepay-dev-payments");
    ssm = await startAwsStub({
      "AmazonSSM.GetParameter": ssmParameter("us-east-1"),
      "POST /Execute": () =>
        ledgerWrites
          ? { body: { numberOfRecordsUpdated: 0, records: [[{ longValue: 1 }]] } }
          : { status: 400, error: "BadRequestException", message: "no writer instance" },
    });
    code = serializedCode(await stackPlan("dev"), "primary-compute-health");
    environment = {
      PAYMENTS_TABLE: "acmepay-dev-payments",
      ACTIVE_REGION_PARAMETER: "acmepay-dev-active-region",
      AWS_ENDPOINT_URL_DYNAMODB: db.endpoint,
      AWS_ENDPOINT_URL_SSM: ssm.endpoint,
      AWS_ENDPOINT_URL_RDS_DATA: ssm.endpoint,
      LEDGER_CLUSTER_ARN: "arn:aws:rds:us-east-1:111122223333:cluster:acmepay-dev-ledger-use1",
      LEDGER_SECRET_ARN: "arn:aws:secretsmanager:us-east-1:111122223333:secret:ledger-AbCdEf",
      LEDGER_DATABASE: "ledger",
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

  it("answers 200 to ?role=active in the active writer, having asked its ledger", async () => {
    ssm.calls.length = 0;
    const run = await runSerialized(
      code,
      { queryStringParameters: { role: "active" } },
      environment,
    );
    assert.equal((run.result as { statusCode: number }).statusCode, 200);
    assert.deepEqual(
      ssm.calls.filter((c) => c.target === "POST /Execute").map((c) => c.body.sql),
      ["SELECT 1"],
    );
  });

  it("answers 503 to ?role=active in a returning old region: its flag names it, its ledger has no writer", async () => {
    ledgerWrites = false;
    try {
      const run = await runSerialized(
        code,
        { queryStringParameters: { role: "active" } },
        environment,
      );
      assert.equal((run.result as { statusCode: number }).statusCode, 503);
      const body = JSON.parse((run.result as { body: string }).body) as {
        role: string;
        checks: { ledger: CheckResult };
      };
      assert.equal(body.role, "active", "its flag still names it");
      assert.equal(body.checks.ledger.ok, false);
      // Plain /health (the standby's check) does not ask the ledger, and passes.
      const plain = await runSerialized(code, {}, environment);
      assert.equal((plain.result as { statusCode: number }).statusCode, 200);
    } finally {
      ledgerWrites = true;
    }
  });
});
