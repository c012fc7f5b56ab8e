/** The game day's SQS event source mapping against the Lambda pages it cites. */
import { strict as assert } from "node:assert";
import { type BatchHandler, SqsEventSource } from "../../tools/gameday/event-source";
import { RegionQueues } from "../../tools/gameday/queues";

const QUEUE = "https://sqs.us-east-1.amazonaws.com/111122223333/acmepay-dev-payments-use1";
const ARN = "arn:aws:sqs:us-east-1:111122223333:acmepay-dev-payments-use1";

describe("game day SQS event source mapping", () => {
  let clock = 0;
  const setup = (handler: BatchHandler, enabled = true) => {
    const queues = new RegionQueues([{ url: QUEUE, visibilityTimeoutSeconds: 180 }], () => clock);
    const mapping = new SqsEventSource({
      uuid: "m-1",
      queues,
      queueUrl: QUEUE,
      queueArn: ARN,
      region: "us-east-1",
      batchSize: 10,
      enabled,
      handler,
    });
    for (const body of ["a", "b", "c"]) {
      queues.send(QUEUE, body);
    }
    return { queues, mapping };
  };

  it("deletes a batch the function processed", async () => {
    const { queues, mapping } = setup(async () => ({ batchItemFailures: [] }));
    assert.deepEqual(await mapping.poll(), { received: 3, deleted: 3, invocationFailed: false });
    assert.deepEqual(queues.depth(QUEUE), { visible: 0, inFlight: 0, delayed: 0 });
  });

  it("keeps only the messages the function reports as failed (ReportBatchItemFailures)", async () => {
    const { queues, mapping } = setup(async (event) => ({
      batchItemFailures: event.Records.filter((r) => r.body === "b").map((r) => ({
        itemIdentifier: r.messageId,
      })),
    }));
    assert.deepEqual(await mapping.poll(), { received: 3, deleted: 2, invocationFailed: false });
    assert.deepEqual(queues.depth(QUEUE), { visible: 0, inFlight: 1, delayed: 0 });
    clock += 180_000;
    assert.equal(queues.depth(QUEUE).visible, 1, "visible again after the visibility timeout");
  });

  it("keeps the whole batch when the invocation fails", async () => {
    const { queues, mapping } = setup(async () => {
      throw new Error("crashed mid-batch");
    });
    assert.deepEqual(await mapping.poll(), { received: 3, deleted: 0, invocationFailed: true });
    assert.equal(queues.depth(QUEUE).inFlight, 3);
  });

  it("does not poll while disabled", async () => {
    let invoked = false;
    const { queues, mapping } = setup(async () => {
      invoked = true;
      return {};
    }, false);
    assert.deepEqual(await mapping.poll(), { received: 0, deleted: 0, invocationFailed: false });
    assert.equal(invoked, false);
    assert.equal(queues.depth(QUEUE).visible, 3);
  });
});
