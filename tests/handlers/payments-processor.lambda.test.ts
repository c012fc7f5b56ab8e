/**
 * The processor as deployed (serialized, in a fresh node process) against stubs of Step Functions,
 * SSM and the RDS Data API (no emulator serves them), each answering as its API reference says:
 * - StartExecution: "If StartExecution is called with the same name and input as a running
 *   execution, the call succeeds ... If the execution is closed or if the input is different, it
 *   returns a 400 ExecutionAlreadyExists error"
 *   (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html).
 * - GetParameter answers the parameter's Value
 *   (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParameter.html).
 * - ExecuteStatement fails on a global database's secondary cluster, which has no writer
 *   (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/data-api.limitations.html).
 */
import { strict as assert } from "node:assert";
import { stackPlan } from "../fixtures/plan";
import {
  type AwsStub,
  ssmParameter,
  type StubAnswer,
  type StubHandler,
  startAwsStub,
} from "../../tools/harness/emulators";
import { runSerialized, serializedCode } from "../../tools/harness/serialized";
import { QUEUED_PAYMENT as PAYMENT } from "../fixtures/payments";
import { executionName } from "../../handlers/payments-processor";
import type { Payment } from "../../handlers/payment";

const WORKFLOW = "arn:aws:states:us-east-1:111122223333:stateMachine:acmepay-dev-payments-use1";

const message = (messageId: string, body: string) => ({
  messageId,
  receiptHandle: `rh-${messageId}`,
  body,
  attributes: {},
  messageAttributes: {},
  md5OfBody: "",
  eventSource: "aws:sqs",
  eventSourceARN: "arn:aws:sqs:us-east-1:111122223333:acmepay-dev-payments-use1",
  awsRegion: "us-east-1",
});

const paymentOf = (paymentId: string): Payment => ({ ...PAYMENT, paymentId });
const paymentMessage = (messageId: string, paymentId: string) =>
  message(messageId, JSON.stringify({ payment: paymentOf(paymentId) }));

const WRITER: StubHandler = () => ({
  body: { numberOfRecordsUpdated: 0, records: [[{ longValue: 1 }]] },
});
const NO_WRITER: StubHandler = () => ({
  status: 400,
  error: "BadRequestException",
  message: "The cluster has no writer instance",
});

describe("payments-processor handler (serialized) with Step Functions, SSM and Data API stubs", function () {
  this.timeout(60_000);
  let code: string;
  let aws: AwsStub;
  /** Running executions by name, with their input. */
  const running = new Map<string, string>();
  const world = { flag: "us-east-1", ledger: WRITER };
  let environment: Record<string, string>;

  before(async () => {
    code = serializedCode(await stackPlan("dev"), "primary-compute-payments-processor");
    aws = await startAwsStub({
      "AWSStepFunctions.StartExecution": (body): StubAnswer => {
        const name = String(body.name);
        const input = String(body.input);
        if (input.includes("pay_throttled")) {
          return { status: 400, error: "ThrottlingException", message: "slow down" };
        }
        const existing = running.get(name);
        if (existing !== undefined && existing !== input) {
          return {
            status: 400,
            error: "ExecutionAlreadyExists",
            message: `Execution Already Exists: '${String(body.stateMachineArn)}:${name}'`,
          };
        }
        running.set(name, input);
        return { body: { executionArn: `${WORKFLOW}:${name}`, startDate: 1_790_000_000 } };
      },
      "AmazonSSM.GetParameter": (body) => ssmParameter(world.flag)(body),
      "POST /Execute": (body) => world.ledger(body),
    });
    environment = {
      PAYMENT_WORKFLOW_ARN: WORKFLOW,
      ACTIVE_REGION_PARAMETER: "/acmepay/dev/active-region",
      LEDGER_CLUSTER_ARN: "arn:aws:rds:us-east-1:111122223333:cluster:acmepay-dev-ledger-use1",
      LEDGER_SECRET_ARN: "arn:aws:secretsmanager:us-east-1:111122223333:secret:ledger-AbCdEf",
      LEDGER_DATABASE: "ledger",
      AWS_REGION: "us-east-1",
      AWS_ENDPOINT_URL_SFN: aws.endpoint,
      AWS_ENDPOINT_URL_SSM: aws.endpoint,
      AWS_ENDPOINT_URL_RDS_DATA: aws.endpoint,
    };
  });

  after(() => aws.close());

  beforeEach(() => {
    aws.calls.length = 0;
    world.flag = "us-east-1";
    world.ledger = WRITER;
  });

  const starts = () =>
    aws.calls
      .filter((c) => c.target === "AWSStepFunctions.StartExecution")
      .map((c) => c.body)
      .sort((a, b) => String(a.name).localeCompare(String(b.name)));

  it("asks the ledger with the deployed cluster, secret and database before it starts anything", async () => {
    await runSerialized(code, { Records: [paymentMessage("m-0", "pay_z")] }, environment);
    const statement = aws.calls.find((c) => c.target === "POST /Execute");
    assert.deepEqual(statement?.body, {
      resourceArn: environment.LEDGER_CLUSTER_ARN,
      secretArn: environment.LEDGER_SECRET_ARN,
      database: "ledger",
      sql: "SELECT 1",
    });
  });

  it("reports exactly the poison messages of a batch, and starts one execution per delivery", async () => {
    const run = await runSerialized(
      code,
      {
        Records: [
          paymentMessage("m-1", "pay_a"),
          message("m-2", "not json"),
          paymentMessage("m-3", "pay_b"),
          message("m-4", JSON.stringify({ payment: { ...PAYMENT, currency: 7 } })),
          paymentMessage("m-5", "pay_c"),
        ],
      },
      environment,
    );
    assert.deepEqual(run, {
      ok: true,
      result: { batchItemFailures: [{ itemIdentifier: "m-2" }, { itemIdentifier: "m-4" }] },
    });
    const expected = [
      executionName(paymentOf("pay_a"), "m-1"),
      executionName(paymentOf("pay_b"), "m-3"),
      executionName(paymentOf("pay_c"), "m-5"),
    ].sort();
    assert.deepEqual(
      starts().map((s) => [s.stateMachineArn, s.name]),
      expected.map((name) => [WORKFLOW, name]),
    );
    const first = starts().find((s) => s.name === executionName(paymentOf("pay_a"), "m-1"));
    assert.deepEqual(JSON.parse(String(first?.input)), { payment: paymentOf("pay_a") });
  });

  it("a redelivered message starts nothing new; another message of the same payment starts a new execution", async () => {
    const run = await runSerialized(
      code,
      { Records: [paymentMessage("m-1", "pay_a"), paymentMessage("m-6", "pay_a")] },
      environment,
    );
    assert.deepEqual(run, { ok: true, result: { batchItemFailures: [] } });
    assert.ok(running.has(executionName(paymentOf("pay_a"), "m-6")));
    assert.equal(
      [...running.keys()].filter((name) => name.startsWith("pay_a-")).length,
      2,
      "one execution per delivery, the redelivery included once",
    );
  });

  it("returns a message whose start keeps failing to the queue, after the SDK's retries", async () => {
    const run = await runSerialized(
      code,
      { Records: [paymentMessage("m-8", "pay_throttled"), paymentMessage("m-9", "pay_e")] },
      environment,
    );
    assert.deepEqual(run, {
      ok: true,
      result: { batchItemFailures: [{ itemIdentifier: "m-8" }] },
    });
    assert.equal(starts().filter((s) => String(s.input).includes("pay_throttled")).length, 3);
  });

  it("fails the whole invocation when every message fails, so Lambda retries the batch", async () => {
    const run = await runSerialized(code, { Records: [message("m-10", "garbage")] }, environment);
    assert.equal(run.ok, false);
    assert.match(String(run.error), /All records failed processing/);
  });

  describe("in a region that is not the active writer, leaves every message on the queue and starts nothing", () => {
    const cases = [
      { name: "the flag names the other region", flag: "us-west-2", ledger: WRITER },
      { name: "the flag is unset", flag: "", ledger: WRITER },
      {
        name: "the flag names this region but its ledger has no writer (the old region returning)",
        flag: "us-east-1",
        ledger: NO_WRITER,
      },
    ];
    for (const c of cases) {
      it(c.name, async () => {
        world.flag = c.flag;
        world.ledger = c.ledger;
        const run = await runSerialized(
          code,
          { Records: [paymentMessage("m-11", "pay_f"), paymentMessage("m-12", "pay_g")] },
          environment,
        );
        assert.deepEqual(run, {
          ok: true,
          result: { batchItemFailures: [{ itemIdentifier: "m-11" }, { itemIdentifier: "m-12" }] },
        });
        assert.deepEqual(starts(), []);
      });
    }
  });
});
