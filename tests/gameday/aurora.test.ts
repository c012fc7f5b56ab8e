/**
 * The game day's Aurora global database against the AWS pages it cites (tools/gameday/aurora.ts):
 * one writer, lagging replication, switchover without loss and with a writerless period,
 * failover with AllowDataLoss losing what had not replicated, and a cut-off region that answers
 * nothing.
 */
import { strict as assert } from "node:assert";
import { ExecuteStatementCommand, RDSDataClient } from "@aws-sdk/client-rds-data";
import { AuroraGlobal } from "../../tools/gameday/aurora";
import { type Postgres, startPostgres } from "../../tools/harness/postgres";

const [EAST, WEST] = ["us-east-1", "us-west-2"] as const;
const ARNS = {
  [EAST]: "arn:aws:rds:us-east-1:111122223333:cluster:acmepay-dev-ledger-use1",
  [WEST]: "arn:aws:rds:us-west-2:111122223333:cluster:acmepay-dev-ledger-usw2",
};
const debit = (id: string) =>
  `INSERT INTO ledger_entries (payment_id, merchant_id, direction, amount_minor, currency, region)
   VALUES ('${id}', 'm', 'debit', 100, 'EUR', 'us-east-1') ON CONFLICT (payment_id, direction) DO NOTHING`;

describe("game day Aurora global database (PostgreSQL per region)", function () {
  this.timeout(120_000);
  let postgres: Postgres;
  let clock = 0;
  let aurora: AuroraGlobal;
  const rows = (region: string) =>
    aurora.ledgers[region].query("SELECT payment_id FROM ledger_entries ORDER BY payment_id");

  before(async () => {
    postgres = await startPostgres();
    aurora = await AuroraGlobal.create({
      regions: [EAST, WEST],
      writer: EAST,
      clusterArns: ARNS,
      postgres,
      now: () => clock,
      promotionMs: 60_000,
    });
  });
  after(async () => {
    await aurora?.close();
    postgres?.stop();
  });

  it("takes statements only on the writer; the secondary's fail as the Data API's do", async () => {
    await aurora.execute(EAST, debit("pay_1"));
    await assert.rejects(aurora.execute(WEST, "SELECT 1"), { name: "BadRequestException" });
  });

  it("replicates the writer's statements after the lag", async () => {
    await aurora.advance(clock + 100);
    assert.deepEqual(rows(WEST), []);
    await aurora.advance(clock + 500);
    assert.deepEqual(rows(WEST), ["pay_1"]);
  });

  it("switchover: no writer while the members change roles, then the target writes, nothing lost", async () => {
    clock = 10_000;
    await aurora.execute(EAST, debit("pay_2"));
    aurora.switchTo(WEST, "switchover");
    const during = aurora.describe();
    assert.deepEqual(
      during.members.map((m) => m.isWriter),
      [false, false],
    );
    assert.equal(during.failoverState?.to, ARNS[WEST]);
    await assert.rejects(aurora.execute(EAST, "SELECT 1"), { name: "BadRequestException" });
    clock = 70_000;
    await aurora.advance(clock);
    assert.deepEqual(
      aurora.describe().members.map((m) => m.isWriter),
      [false, true],
    );
    assert.equal(aurora.describe().failoverState, null);
    assert.deepEqual(rows(WEST), ["pay_1", "pay_2"]);
  });

  it("failover with AllowDataLoss: what had not replicated is lost, and counted", async () => {
    clock = 100_000;
    aurora.lagMs = 5_000;
    await aurora.execute(WEST, debit("pay_3"));
    aurora.switchTo(EAST, "failover", true);
    clock = 200_000;
    await aurora.advance(clock);
    assert.deepEqual(rows(EAST), ["pay_1", "pay_2"], "pay_3 never reached us-east-1");
    assert.equal(aurora.lost.length, 1);
    assert.match(aurora.lost[0], /'pay_3'/);
  });

  it("a cut-off region's Data API answers nothing: the caller times out", async () => {
    const served = await aurora.serve(EAST);
    const client = new RDSDataClient({
      endpoint: served.endpoint,
      region: EAST,
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
      maxAttempts: 1,
      requestHandler: { requestTimeout: 500, throwOnRequestTimeout: true },
    });
    const call = () =>
      client.send(
        new ExecuteStatementCommand({
          resourceArn: ARNS[EAST],
          secretArn: "arn:aws:secretsmanager:us-east-1:111122223333:secret:s",
          database: "ledger",
          sql: "SELECT 1",
        }),
      );
    try {
      const answer = await call();
      assert.deepEqual(answer.records, [[{ stringValue: "1" }]]);
      aurora.setReachable(EAST, false);
      await assert.rejects(call(), (error: Error) =>
        /timeout|TimeoutError/i.test(`${error.name} ${error.message}`),
      );
    } finally {
      aurora.setReachable(EAST, true);
      client.destroy();
      await served.close();
    }
  });
});
