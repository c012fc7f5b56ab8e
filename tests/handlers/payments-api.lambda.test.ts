import { strict as assert } from "node:assert";
import { UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { stackPlan } from "../fixtures/plan";
import { PAYMENT_REQUEST } from "../fixtures/payments";
import { paymentIdFor } from "../../handlers/payments-api";
import {
  type AwsStub,
  createPaymentsTable,
  type LocalDynamoDb,
  secretValue,
  sqsSendMessage,
  ssmParameter,
  startAwsStub,
  startDynamoDb,
} from "../../tools/harness/emulators";
import {
  type HandlerRun,
  runSerializedEvents,
  serializedCode,
} from "../../tools/harness/serialized";

const TABLE = "acmepay-dev-payments";
const BODY = PAYMENT_REQUEST;
/** The payment-id key the Secrets Manager stub holds. */
const ID_KEY = "c2VjcmV0LXBheW1lbnQtaWQta2V5LWZvci10ZXN0cw==";
/** What API Gateway passes on from the merchant authorizer (requestContext.authorizer). */
const CALLER = { authorizer: { merchantId: BODY.merchantId, keyId: "0123456789abcdef" } };

function post(body: unknown, key = "order-1001") {
  return {
    httpMethod: "POST",
    resource: "/payments",
    path: "/payments",
    headers: { "content-type": "application/json", "idempotency-key": key },
    body: JSON.stringify(body),
    isBase64Encoded: false,
    requestContext: CALLER,
  };
}

interface Answer {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

const answer = (run: HandlerRun) => {
  assert.ok(run.ok, run.error);
  return run.result as Answer;
};

/** The payments-api handler as deployed (its serialized form) on dynalite, SQS and SSM stubs. */
describe("payments-api handler (serialized) against dynalite", function () {
  let db: LocalDynamoDb;
  let aws: AwsStub;
  let code: string;
  let environment: Record<string, string>;

  before(async () => {
    db = await startDynamoDb();
    await createPaymentsTable(db, TABLE);
    aws = await startAwsStub({
      "AmazonSQS.SendMessage": sqsSendMessage,
      "AmazonSSM.GetParameter": ssmParameter("us-east-1"),
      "secretsmanager.GetSecretValue": secretValue(ID_KEY),
    });
    const evaluation = await stackPlan("dev");
    code = serializedCode(evaluation, "primary-compute-payments-api");
    const fn = evaluation.resources.find(
      (r) => r.type === "aws:lambda/function:Function" && r.name === "primary-compute-payments-api",
    );
    // The deployed environment, with the endpoints pointed at the local services.
    environment = {
      ...(fn?.outputs.environment as { variables: Record<string, string> }).variables,
      AWS_REGION: "us-east-1",
      AWS_ENDPOINT_URL_DYNAMODB: db.endpoint,
      AWS_ENDPOINT_URL_SQS: aws.endpoint,
      AWS_ENDPOINT_URL_SSM: aws.endpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: aws.endpoint,
    };
  });

  after(async () => {
    await db.close();
    await aws.close();
  });

  beforeEach(() => {
    db.operations.length = 0;
    aws.calls.length = 0;
  });

  it("runs with the environment the plan deploys", () => {
    assert.deepEqual(Object.keys(environment).sort().slice(0, 5), [
      "ACTIVE_REGION_PARAMETER",
      "AWS_ENDPOINT_URL_DYNAMODB",
      "AWS_ENDPOINT_URL_SECRETS_MANAGER",
      "AWS_ENDPOINT_URL_SQS",
      "AWS_ENDPOINT_URL_SSM",
    ]);
    assert.match(environment.PAYMENT_ID_SECRET_ARN, /^arn:aws:secretsmanager:us-east-1:/);
    assert.equal(environment.TOKEN_PREFIX, "tok_");
    assert.equal(environment.PAYMENTS_TABLE, TABLE);
  });

  it("200 concurrent requests with one key and body: one record, identical answers, only conditional writes", async () => {
    // Four execution environments of 50 concurrent requests each, all at once.
    const batches = await Promise.all(
      [0, 1, 2, 3].map(() =>
        runSerializedEvents(
          code,
          Array.from({ length: 50 }, () => post(BODY)),
          environment,
          60_000,
        ),
      ),
    );
    const answers = batches.flat().map(answer);
    assert.equal(answers.length, 200);
    assert.deepEqual(new Set(answers.map((a) => `${a.statusCode} ${a.body}`)).size, 1);
    assert.equal(answers[0].statusCode, 202);
    assert.equal(answers.filter((a) => a.headers["Idempotent-Replayed"] === undefined).length, 1);

    const items = await db.items(TABLE);
    assert.equal(items.length, 1);
    assert.equal(items[0].paymentId.S, paymentIdFor(ID_KEY, "merchant-7", "order-1001"));
    assert.equal(items[0].status.S, "RECEIVED");
    const writes = db.operations.filter((op) => !["GetItem", "Query", "Scan"].includes(op));
    assert.deepEqual(new Set(writes), new Set(["PutItem"]));
    assert.equal(writes.length, 200);
    // Each environment reads the active-region flag once and caches it, and the payment-id key
    // once for its life.
    assert.equal(aws.calls.filter((c) => c.target === "AmazonSSM.GetParameter").length, 4);
    const keyReads = aws.calls.filter((c) => c.target === "secretsmanager.GetSecretValue");
    assert.deepEqual(
      keyReads.map((c) => c.body.SecretId),
      Array.from({ length: 4 }, () => environment.PAYMENT_ID_SECRET_ARN),
    );
  });

  it("rejects a changed body under the same key with 422 and writes nothing", async () => {
    const before = await db.items(TABLE);
    const [run] = await runSerializedEvents(code, [post({ ...BODY, amountMinor: 1 })], environment);
    const reused = answer(run);
    assert.equal(reused.statusCode, 422);
    assert.equal(
      (JSON.parse(reused.body) as { error: { code: string } }).error.code,
      "IDEMPOTENCY_KEY_REUSED",
    );
    assert.deepEqual(await db.items(TABLE), before);
    assert.equal(aws.calls.filter((c) => c.target === "AmazonSQS.SendMessage").length, 0);
  });

  it("accepts a new payment with one conditional put and one message carrying the payment", async () => {
    const [run] = await runSerializedEvents(code, [post(BODY, "order-2002")], environment);
    const accepted = answer(run);
    assert.equal(accepted.statusCode, 202);
    const { paymentId } = JSON.parse(accepted.body) as { paymentId: string };
    assert.deepEqual(db.operations, ["PutItem"]);
    const sends = aws.calls.filter((c) => c.target === "AmazonSQS.SendMessage");
    assert.equal(sends.length, 1);
    assert.equal(sends[0].body.QueueUrl, environment.PAYMENTS_QUEUE_URL);
    const message = JSON.parse(String(sends[0].body.MessageBody)) as {
      payment: { paymentId: string; amountMinor: number };
    };
    assert.equal(message.payment.paymentId, paymentId);
    assert.equal(message.payment.amountMinor, 12_345);
    // The message carries the payment without its token; the table keeps the token.
    assert.ok(!String(sends[0].body.MessageBody).includes(BODY.paymentMethod.token));
    const stored = (await db.items(TABLE)).find((item) => item.paymentId.S === paymentId);
    assert.equal(stored?.paymentMethod.M?.token.S, BODY.paymentMethod.token);
  });

  it("reads a payment back from the table", async () => {
    const paymentId = paymentIdFor(ID_KEY, "merchant-7", "order-1001");
    const read = (merchantId: string) => ({
      httpMethod: "GET",
      resource: "/payments/{paymentId}",
      pathParameters: { paymentId },
      requestContext: { authorizer: { merchantId } },
    });
    const [own, other] = (
      await runSerializedEvents(code, [read("merchant-7"), read("merchant-8")], environment)
    ).map(answer);
    assert.equal(own.statusCode, 200);
    assert.equal((JSON.parse(own.body) as { status: string }).status, "RECEIVED");
    // Another merchant's payment is answered as an unknown one.
    assert.equal(other.statusCode, 404);
    assert.deepEqual(JSON.parse(other.body), {
      error: { code: "PAYMENT_NOT_FOUND", message: `no payment ${paymentId} in this region` },
    });
  });

  it("refuses writes with 503 when the flag names the other region", async () => {
    const standby = await startAwsStub({ "AmazonSSM.GetParameter": ssmParameter("us-west-2") });
    try {
      const [run] = await runSerializedEvents(code, [post(BODY, "order-3003")], {
        ...environment,
        AWS_ENDPOINT_URL_SSM: standby.endpoint,
      });
      const refused = answer(run);
      assert.equal(refused.statusCode, 503);
      assert.equal(
        (JSON.parse(refused.body) as { error: { code: string } }).error.code,
        "REGION_NOT_ACTIVE",
      );
      assert.deepEqual(db.operations, []);
    } finally {
      await standby.close();
    }
  });

  it("a replay queues a RECEIVED payment again only once its last queuing is a window old, with one conditional update", async () => {
    const paymentId = paymentIdFor(ID_KEY, "merchant-7", "order-4004");
    await runSerializedEvents(code, [post(BODY, "order-4004")], environment);
    const sends = () => aws.calls.filter((c) => c.target === "AmazonSQS.SendMessage").length;
    assert.equal(sends(), 1);
    // A replay right away: answered from the stored record, nothing written, nothing queued.
    db.operations.length = 0;
    await runSerializedEvents(code, [post(BODY, "order-4004")], environment);
    // (dynalite answers a failed condition without the old item, so the shell reads it: GetItem.)
    assert.deepEqual(
      db.operations.filter((op) => op !== "GetItem"),
      ["PutItem"],
    );
    assert.equal(sends(), 1);
    // Its last queuing was longer ago than the window: of two replays, one queues it.
    await db.client.send(
      new UpdateItemCommand({
        TableName: TABLE,
        Key: { paymentId: { S: paymentId } },
        UpdateExpression: "SET queuedAt = :old",
        ExpressionAttributeValues: { ":old": { S: "2026-01-01T00:00:00.000Z" } },
      }),
    );
    db.operations.length = 0;
    const replays = await runSerializedEvents(
      code,
      [post(BODY, "order-4004"), post(BODY, "order-4004")],
      environment,
    );
    assert.deepEqual(
      replays.map((r) => answer(r).statusCode),
      [202, 202],
    );
    assert.equal(sends(), 2);
    // The second replay either sees the new mark and skips, or loses the conditional update.
    assert.ok(db.operations.filter((op) => op === "UpdateItem").length >= 1);
    const [item] = (await db.items(TABLE)).filter((i) => i.paymentId.S === paymentId);
    assert.ok(String(item.queuedAt?.S) > "2026-01-01T00:00:00.000Z");
  });
});
