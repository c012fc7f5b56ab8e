import { strict as assert } from "node:assert";
import { stackPlan } from "../fixtures/plan";
import { PutItemCommand } from "@aws-sdk/client-dynamodb";
import { authorize, type AuthorizationRules, NOT_ACTIVE_HERE } from "../../handlers/authorize";
import type { Payment } from "../../handlers/payment";
import {
  type AwsStub,
  createPaymentsTable,
  type LocalDynamoDb,
  ssmParameter,
  startAwsStub,
  startDynamoDb,
} from "../../tools/harness/emulators";
import { runSerialized, serializedCode } from "../../tools/harness/serialized";

const TABLE = "acmepay-dev-payments";
const RULES: AuthorizationRules = {
  maxAmountMinor: { EUR: 1_000_000 },
  velocity: { windowSeconds: 3600, maxPayments: 3, maxAmountMinor: { EUR: 2_000_000 } },
};
const PAYMENT: Payment = {
  paymentId: "pay_now",
  merchantId: "merchant-7",
  customerId: "cust_42",
  amountMinor: 1000,
  currency: "EUR",
  paymentMethod: { type: "card" },
  createdAt: "2026-11-21T10:00:00.000Z",
};
const minutesBefore = (minutes: number) =>
  new Date(Date.parse(PAYMENT.createdAt) - minutes * 60_000).toISOString();

/** The authorize handler as deployed: its serialized form, in a fresh node process, on dynalite. */
describe("authorize handler (serialized) against dynalite", function () {
  this.timeout(60_000);
  let db: LocalDynamoDb;
  let ssm: AwsStub;
  let code: string;

  async function put(item: {
    id: string;
    merchant: string;
    at: string;
    amount: number;
    status: string;
  }) {
    await db.client.send(
      new PutItemCommand({
        TableName: TABLE,
        Item: {
          paymentId: { S: item.id },
          merchantId: { S: item.merchant },
          createdAt: { S: item.at },
          amountMinor: { N: String(item.amount) },
          currency: { S: "EUR" },
          status: { S: item.status },
        },
      }),
    );
  }

  before(async () => {
    // SSM GetParameter answers the parameter with its Value
    // (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParameter.html).
    ssm = await startAwsStub({ "AmazonSSM.GetParameter": ssmParameter("us-east-1") });
    db = await startDynamoDb();
    await createPaymentsTable(db, TABLE);
    await put({
      id: PAYMENT.paymentId,
      merchant: PAYMENT.merchantId,
      at: PAYMENT.createdAt,
      amount: 1000,
      status: "RECEIVED",
    });
    await put({
      id: "pay_a",
      merchant: "merchant-7",
      at: minutesBefore(10),
      amount: 500_000,
      status: "COMPLETED",
    });
    await put({
      id: "pay_b",
      merchant: "merchant-7",
      at: minutesBefore(50),
      amount: 700_000,
      status: "RECEIVED",
    });
    await put({
      id: "pay_failed",
      merchant: "merchant-7",
      at: minutesBefore(20),
      amount: 900_000,
      status: "FAILED",
    });
    await put({
      id: "pay_old",
      merchant: "merchant-7",
      at: minutesBefore(90),
      amount: 900_000,
      status: "COMPLETED",
    });
    await put({
      id: "pay_other",
      merchant: "merchant-8",
      at: minutesBefore(5),
      amount: 900_000,
      status: "COMPLETED",
    });
    // The code the CallbackFunction deploys: its archive's __index.js, from the offline plan.
    code = serializedCode(await stackPlan("dev"), "primary-orchestration-authorize");
  });

  after(async () => {
    await db.close();
    await ssm.close();
  });

  const environment = (rules: AuthorizationRules = RULES) => ({
    AUTHORIZATION_RULES: JSON.stringify(rules),
    PAYMENTS_TABLE: TABLE,
    ACTIVE_REGION_PARAMETER: "/acmepay/dev/active-region",
    AWS_REGION: "us-east-1",
    AWS_ENDPOINT_URL_DYNAMODB: db.endpoint,
    AWS_ENDPOINT_URL_SSM: ssm.endpoint,
  });
  const admitted = (decision: ReturnType<typeof authorize>) => ({ activeHere: true, ...decision });
  const window = [
    { amountMinor: 500_000, currency: "EUR", createdAt: minutesBefore(10) },
    { amountMinor: 700_000, currency: "EUR", createdAt: minutesBefore(50) },
  ];

  it("counts the merchant's window (not itself, not failed, not older, not others) and decides as the core", async () => {
    const run = await runSerialized(code, { payment: PAYMENT }, environment());
    assert.deepEqual(run, { ok: true, result: admitted(authorize(PAYMENT, RULES, window)) });
    assert.equal((run.result as { approved: boolean }).approved, true);
  });

  it("declines when the window is full, with the core's reasons", async () => {
    const strict = { ...RULES, velocity: { ...RULES.velocity, maxPayments: 2 } };
    const run = await runSerialized(code, { payment: PAYMENT }, environment(strict));
    assert.deepEqual(run, { ok: true, result: admitted(authorize(PAYMENT, strict, window)) });
    assert.deepEqual(
      (run.result as { reasons: readonly { code: string }[] }).reasons.map((r) => r.code),
      ["VELOCITY_COUNT_EXCEEDED"],
    );
  });

  it("declines an invalid payment without reading the table", async () => {
    const invalid = { ...PAYMENT, amountMinor: -5 };
    const run = await runSerialized(
      code,
      { payment: invalid },
      { ...environment(), AWS_ENDPOINT_URL_DYNAMODB: "http://127.0.0.1:9" },
    );
    assert.deepEqual(run, { ok: true, result: admitted(authorize(invalid, RULES, [])) });
  });

  it("outside the active region decides nothing and reads no payment", async () => {
    const standby = await startAwsStub({ "AmazonSSM.GetParameter": ssmParameter("us-west-2") });
    try {
      const before = db.operations.length;
      const run = await runSerialized(
        code,
        { payment: PAYMENT },
        { ...environment(), AWS_ENDPOINT_URL_SSM: standby.endpoint },
      );
      assert.deepEqual(run, { ok: true, result: NOT_ACTIVE_HERE });
      assert.equal(db.operations.length, before);
    } finally {
      await standby.close();
    }
  });
});
