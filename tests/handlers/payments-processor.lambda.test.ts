import { strict as assert } from "node:assert";
import { stackPlan } from "../fixtures/plan";
import { type AwsStub, type StubAnswer, startAwsStub } from "../../tools/harness/emulators";
import { runSerialized, serializedCode } from "../../tools/harness/serialized";
import { QUEUED_PAYMENT as PAYMENT } from "../fixtures/payments";

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

const paymentMessage = (messageId: string, paymentId: string) =>
  message(messageId, JSON.stringify({ payment: { ...PAYMENT, paymentId } }));

/** The processor as deployed (serialized), with Step Functions stubbed: no emulator serves it. */
describe("payments-processor handler (serialized) with a Step Functions stub", function () {
  let code: string;
  let sfn: AwsStub;
  const started = new Set<string>();
  let environment: Record<string, string>;

  before(async () => {
    code = serializedCode(await stackPlan("dev"), "primary-compute-payments-processor");
    sfn = await startAwsStub({
      "AWSStepFunctions.StartExecution": (body): StubAnswer => {
        const name = String(body.name);
        if (name.endsWith("throttled")) {
          return { status: 400, error: "ThrottlingException", message: "slow down" };
        }
        if (started.has(name)) {
          return {
            status: 400,
            error: "ExecutionAlreadyExists",
            message: `Execution Already Exists: '${String(body.stateMachineArn)}:${name}'`,
          };
        }
        started.add(name);
        return { body: { executionArn: `${WORKFLOW}:${name}`, startDate: 1_790_000_000 } };
      },
    });
    environment = { PAYMENT_WORKFLOW_ARN: WORKFLOW, AWS_ENDPOINT_URL_SFN: sfn.endpoint };
  });

  after(() => sfn.close());

  beforeEach(() => {
    sfn.calls.length = 0;
  });

  it("reports exactly the poison messages of a batch, and starts one execution per payment", async () => {
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
    // The batch processor starts the payments concurrently: the order is not defined.
    const starts = sfn.calls
      .map((c) => c.body)
      .sort((a, b) => String(a.name).localeCompare(String(b.name)));
    assert.deepEqual(
      starts.map((s) => [s.stateMachineArn, s.name]),
      [
        [WORKFLOW, "pay_a"],
        [WORKFLOW, "pay_b"],
        [WORKFLOW, "pay_c"],
      ],
    );
    assert.deepEqual(JSON.parse(String(starts[0].input)), {
      payment: { ...PAYMENT, paymentId: "pay_a" },
    });
  });

  it("counts a second start of the same payment as success", async () => {
    const run = await runSerialized(
      code,
      { Records: [paymentMessage("m-6", "pay_a"), paymentMessage("m-7", "pay_d")] },
      environment,
    );
    assert.deepEqual(run, { ok: true, result: { batchItemFailures: [] } });
    assert.equal(sfn.calls.filter((c) => c.body.name === "pay_a").length, 1);
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
    assert.equal(sfn.calls.filter((c) => c.body.name === "pay_throttled").length, 3);
  });

  it("fails the whole invocation when every message fails, so Lambda retries the batch", async () => {
    const run = await runSerialized(code, { Records: [message("m-10", "garbage")] }, environment);
    assert.equal(run.ok, false);
    assert.match(String(run.error), /All records failed processing/);
  });
});
