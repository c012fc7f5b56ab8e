/**
 * The sweeper as deployed (serialized, in a fresh node process) against dynalite (the payments
 * table with its indexes, as the data tier declares them), the Data API in front of PostgreSQL
 * (the ledger with its schema: ./data-api.ts) and SQS and SSM stubs that answer as their API
 * references say (SendMessage with the body's MD5, GetParameter with the Value).
 */
import { strict as assert } from "node:assert";
import { PutItemCommand } from "@aws-sdk/client-dynamodb";
import { stackPlan } from "../fixtures/plan";
import { QUEUED_PAYMENT, STORED_METHOD } from "../fixtures/payments";
import { applySchema } from "../../handlers/ledger-schema";
import type { PaymentRecord } from "../../handlers/payment";
import { toItem } from "../../handlers/runtime";
import { METRICS_NAMESPACE } from "../../handlers/sweeper.lambda";
import {
  type AwsStub,
  createPaymentsTable,
  type LocalDynamoDb,
  sqsSendMessage,
  ssmParameter,
  startAwsStub,
  startDynamoDb,
} from "../../tools/harness/emulators";
import { runSerializedWithLogs, serializedCode } from "../../tools/harness/serialized";
import { type DataApiServer, startDataApi } from "../../tools/harness/data-api";
import { type Postgres, startPostgres } from "../../tools/harness/postgres";

const TABLE = "acmepay-dev-payments";
const QUEUE = "https://sqs.us-east-1.amazonaws.com/111122223333/acmepay-dev-payments-use1";

describe("sweeper handler (serialized) against dynalite, PostgreSQL and SQS/SSM stubs", function () {
  this.timeout(120_000);
  let code: string;
  let db: LocalDynamoDb;
  let postgres: Postgres;
  let dataApi: DataApiServer;
  let aws: AwsStub;
  let flag = "us-east-1";
  let environment: Record<string, string>;
  const hour = new Date().toISOString().slice(0, 13);
  const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
  const staleAt = ago(60);

  async function put(record: PaymentRecord, extra: Record<string, unknown> = {}) {
    await db.client.send(
      new PutItemCommand({ TableName: TABLE, Item: { ...toItem(record), ...extra } as never }),
    );
  }
  const payment = (id: string, status: PaymentRecord["status"], createdAt: string) => ({
    ...QUEUED_PAYMENT,
    paymentMethod: STORED_METHOD,
    paymentId: id,
    createdAt,
    status,
    idempotencyKey: `k-${id}`,
    requestHash: "h",
    acceptedRegion: "us-east-1",
  });

  before(async () => {
    code = serializedCode(await stackPlan("dev"), "primary-compute-sweeper");
    db = await startDynamoDb();
    await createPaymentsTable(db, TABLE);
    postgres = await startPostgres();
    await applySchema(async (sql) => postgres.execute(sql));
    dataApi = await startDataApi(postgres);
    aws = await startAwsStub({
      "AmazonSQS.SendMessage": sqsSendMessage,
      "AmazonSSM.GetParameter": (body) => ssmParameter(flag)(body),
    });
    // Stale: accepted an hour ago and never settled (its message was lost).
    await put(payment("pay_stale", "RECEIVED", staleAt));
    // Fresh: accepted a minute ago; its workflow is running.
    await put(payment("pay_fresh", "RECEIVED", ago(1)));
    // Settled this hour, with and without a ledger entry (the ledger lost the second in a
    // failover within Aurora's RPO; the table, replicated on its own, says COMPLETED).
    for (const id of ["pay_recorded", "pay_lost"]) {
      await put(payment(id, "COMPLETED", ago(30)), {
        settledHour: { S: hour },
        statusDetail: { M: { region: { S: "us-east-1" } } },
      });
    }
    postgres.execute(
      `INSERT INTO ledger_entries (payment_id, merchant_id, direction, amount_minor, currency, region)
       VALUES ('pay_recorded', 'merchant-7', 'debit', 12345, 'EUR', 'us-east-1')`,
    );
    environment = {
      PAYMENTS_TABLE: TABLE,
      PAYMENTS_QUEUE_URL: QUEUE,
      ACTIVE_REGION_PARAMETER: "/acmepay/dev/active-region",
      LEDGER_CLUSTER_ARN: "arn:aws:rds:us-east-1:111122223333:cluster:acmepay-dev-ledger-use1",
      LEDGER_SECRET_ARN: "arn:aws:secretsmanager:us-east-1:111122223333:secret:ledger-AbCdEf",
      LEDGER_DATABASE: "ledger",
      SWEEP_MIN_AGE_SECONDS: "900",
      SWEEP_MAX_PER_RUN: "500",
      RECONCILE_LOOKBACK_HOURS: "2",
      AWS_REGION: "us-east-1",
      AWS_ENDPOINT_URL_DYNAMODB: db.endpoint,
      AWS_ENDPOINT_URL_SQS: aws.endpoint,
      AWS_ENDPOINT_URL_SSM: aws.endpoint,
      AWS_ENDPOINT_URL_RDS_DATA: dataApi.endpoint,
    };
  });

  after(async () => {
    await db?.close();
    await aws?.close();
    await dataApi?.close();
    postgres?.stop();
  });

  it("does nothing in a region that is not the active writer", async () => {
    flag = "us-west-2";
    try {
      const { run } = await runSerializedWithLogs(code, {}, environment);
      assert.deepEqual(run, {
        ok: true,
        result: {
          active: false,
          why: "us-east-1 is not the active region (the flag names us-west-2)",
        },
      });
      assert.equal(aws.calls.filter((c) => c.target === "AmazonSQS.SendMessage").length, 0);
    } finally {
      flag = "us-east-1";
    }
  });

  it("re-queues the stale payment once, restores the lost ledger entry, and publishes its counts", async () => {
    const { run, stdout } = await runSerializedWithLogs(code, {}, environment);
    assert.deepEqual(run, {
      ok: true,
      result: {
        active: true,
        sweep: { stale: 1, requeued: 1, recentlyQueued: 0, failed: 0 },
        reconcile: { checked: 2, missing: 1, restored: 1 },
      },
    });
    const sends = aws.calls.filter((c) => c.target === "AmazonSQS.SendMessage");
    assert.equal(sends.length, 1);
    assert.equal(sends[0].body.QueueUrl, QUEUE);
    const message = JSON.parse(String(sends[0].body.MessageBody)) as { payment: unknown };
    assert.deepEqual(message.payment, {
      ...QUEUED_PAYMENT,
      paymentId: "pay_stale",
      createdAt: staleAt,
    });
    assert.deepEqual(
      postgres.query(
        "SELECT payment_id, merchant_id, amount_minor, currency, region FROM ledger_entries ORDER BY payment_id",
      ),
      ["pay_lost|merchant-7|12345|EUR|us-east-1", "pay_recorded|merchant-7|12345|EUR|us-east-1"],
    );
    // Embedded Metric Format: CloudWatch reads the metrics from this log line
    // (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html).
    const emf = stdout
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((line) => line._aws !== undefined) as {
      _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][] }[] };
      service: string;
      PaymentsRequeued: number;
      LedgerEntriesRestored: number;
    };
    assert.equal(emf._aws.CloudWatchMetrics[0].Namespace, METRICS_NAMESPACE);
    assert.deepEqual(emf._aws.CloudWatchMetrics[0].Dimensions, [["service"]]);
    assert.equal(emf.service, "sweeper");
    assert.equal(emf.PaymentsRequeued, 1);
    assert.equal(emf.LedgerEntriesRestored, 1);
  });

  it("a second run within the window re-queues nothing and finds the ledger whole", async () => {
    aws.calls.length = 0;
    const { run } = await runSerializedWithLogs(code, {}, environment);
    assert.deepEqual(run, {
      ok: true,
      result: {
        active: true,
        sweep: { stale: 1, requeued: 0, recentlyQueued: 1, failed: 0 },
        reconcile: { checked: 2, missing: 0, restored: 0 },
      },
    });
    assert.equal(aws.calls.filter((c) => c.target === "AmazonSQS.SendMessage").length, 0);
  });
});
