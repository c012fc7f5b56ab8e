/** The game day's SQS against the pages it cites (tools/gameday/queues.ts), through the AWS SDK. */
import { strict as assert } from "node:assert";
import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { RegionQueues } from "../../tools/gameday/queues";

const QUEUE = "https://sqs.us-east-1.amazonaws.com/111122223333/acmepay-dev-payments-use1";
const DLQ = "https://sqs.us-east-1.amazonaws.com/111122223333/acmepay-dev-payments-dlq-use1";

describe("game day SQS (simulated clock, over the SDK)", function () {
  this.timeout(30_000);
  let clock = 0;
  let queues: RegionQueues;
  let served: { endpoint: string; close: () => Promise<void> };
  let sqs: SQSClient;

  before(async () => {
    queues = new RegionQueues(
      [
        {
          url: QUEUE,
          visibilityTimeoutSeconds: 180,
          redrive: { deadLetterUrl: DLQ, maxReceiveCount: 2 },
        },
        { url: DLQ, visibilityTimeoutSeconds: 30 },
      ],
      () => clock,
    );
    served = await queues.serve();
    sqs = new SQSClient({
      endpoint: served.endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
      useQueueUrlAsEndpoint: false,
      maxAttempts: 1,
    });
  });
  after(async () => {
    sqs?.destroy();
    await served?.close();
  });

  const receive = async (url = QUEUE) =>
    (await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 })))
      .Messages ?? [];
  const depth = async (url = QUEUE) =>
    (
      await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: url,
          AttributeNames: [
            "ApproximateNumberOfMessages",
            "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed",
          ],
        }),
      )
    ).Attributes;

  it("hides a received message for the visibility timeout; a delete removes it", async () => {
    await sqs.send(new SendMessageCommand({ QueueUrl: QUEUE, MessageBody: "a" }));
    const [first] = await receive();
    assert.equal(first.Body, "a");
    assert.deepEqual(await receive(), [], "in flight");
    assert.equal((await depth())?.ApproximateNumberOfMessagesNotVisible, "1");
    await sqs.send(
      new DeleteMessageCommand({ QueueUrl: QUEUE, ReceiptHandle: first.ReceiptHandle }),
    );
    clock += 181_000;
    assert.deepEqual(await receive(), []);
  });

  it("makes a message not deleted visible again, and moves it to the DLQ after maxReceiveCount", async () => {
    await sqs.send(new SendMessageCommand({ QueueUrl: QUEUE, MessageBody: "poison" }));
    assert.equal((await receive()).length, 1);
    clock += 181_000;
    assert.equal((await receive()).length, 1, "visible again after the timeout");
    clock += 181_000;
    assert.deepEqual(await receive(), [], "a third receive moves it instead");
    assert.deepEqual(
      (await receive(DLQ)).map((m) => m.Body),
      ["poison"],
    );
  });

  it("keeps a delayed message back for its delay, counted as delayed", async () => {
    await sqs.send(
      new SendMessageCommand({ QueueUrl: QUEUE, MessageBody: "later", DelaySeconds: 900 }),
    );
    assert.equal((await depth())?.ApproximateNumberOfMessagesDelayed, "1");
    assert.deepEqual(await receive(), []);
    clock += 900_000;
    assert.deepEqual(
      (await receive()).map((m) => m.Body),
      ["later"],
    );
  });

  it("answers nothing while the region is down", async () => {
    queues.reachable = false;
    const client = new SQSClient({
      endpoint: served.endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
      useQueueUrlAsEndpoint: false,
      maxAttempts: 1,
      requestHandler: { requestTimeout: 300, throwOnRequestTimeout: true },
    });
    try {
      await assert.rejects(
        client.send(new SendMessageCommand({ QueueUrl: QUEUE, MessageBody: "x" })),
      );
    } finally {
      queues.reachable = true;
      client.destroy();
    }
  });
});
