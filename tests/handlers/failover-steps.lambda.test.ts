import { strict as assert } from "node:assert";
import { createHash } from "node:crypto";
import { stackPlan } from "../fixtures/plan";
import * as http from "node:http";
import { CreateTableCommand } from "@aws-sdk/client-dynamodb";
import {
  type AwsStub,
  close,
  listen,
  type LocalDynamoDb,
  startAwsStub,
  startDynamoDb,
} from "../../tools/harness/emulators";
import { runSerialized, serializedCode } from "../../tools/harness/serialized";
import { HISTORY } from "../fixtures/failover";

describe("failover steps handler (serialized)", function () {
  this.timeout(60_000);
  const RUNS_TABLE = "acmepay-dev-failover-runs-usw2";
  const EXECUTION =
    "arn:aws:states:us-west-2:111122223333:execution:acmepay-dev-failover-runbook-usw2:drill-7";
  let code: string;
  let db: LocalDynamoDb;
  let aws: AwsStub;
  let api: http.Server;
  let apiUrl: string;
  let silent: http.Server;
  let silentUrl: string;
  let role = "standby";
  let environment: Record<string, string>;

  before(async () => {
    code = serializedCode(await stackPlan("dev"), "secondary-failover-steps");
    db = await startDynamoDb();
    await db.client.send(
      new CreateTableCommand({
        TableName: RUNS_TABLE,
        BillingMode: "PAY_PER_REQUEST",
        KeySchema: [{ AttributeName: "runId", KeyType: "HASH" }],
        AttributeDefinitions: [{ AttributeName: "runId", AttributeType: "S" }],
      }),
    );
    aws = await startAwsStub({
      "AmazonSSM.PutParameter": () => ({ body: { Version: 2, Tier: "Standard" } }),
      "ToggleCustomerAPI.UpdateRoutingControlStates": () => ({ body: {} }),
      "AWSStepFunctions.GetExecutionHistory": () => ({
        body: {
          events: HISTORY.map((e, id) => ({
            id: id + 1,
            timestamp: e.timestamp.getTime() / 1000,
            type: e.type,
            ...(e.stateEnteredEventDetails
              ? { stateEnteredEventDetails: e.stateEnteredEventDetails }
              : {}),
            ...(e.stateExitedEventDetails
              ? { stateExitedEventDetails: e.stateExitedEventDetails }
              : {}),
          })),
        },
      }),
    });
    api = http.createServer((_request, response) => {
      response.writeHead(role === "active" ? 200 : 503, { "Content-Type": "application/json" });
      response.end(JSON.stringify({ status: "x", region: "us-west-2", role }));
    });
    apiUrl = `${await listen(api)}/health?role=active`;
    // Accepts connections and never answers: a region that does not respond.
    silent = http.createServer(() => undefined);
    silentUrl = await listen(silent);
    environment = {
      AWS_REGION: "us-west-2",
      RUNS_TABLE,
      AWS_ENDPOINT_URL_DYNAMODB: db.endpoint,
      AWS_ENDPOINT_URL_SSM: aws.endpoint,
      AWS_ENDPOINT_URL_SFN: aws.endpoint,
    };
  });

  after(async () => {
    await db.close();
    await aws.close();
    await close(api);
    await close(silent);
  });

  it("fences the old region's flag with one PutParameter in that region", async () => {
    aws.calls.length = 0;
    const run = await runSerialized(
      code,
      {
        action: "fence",
        region: "us-east-1",
        parameterName: "acmepay-dev-active-region",
        activeRegion: "us-west-2",
      },
      environment,
    );
    assert.deepEqual(run, { ok: true, result: { fenced: true, region: "us-east-1" } });
    assert.deepEqual(aws.calls, [
      {
        target: "AmazonSSM.PutParameter",
        body: { Name: "acmepay-dev-active-region", Value: "us-west-2", Overwrite: true },
      },
    ]);
  });

  it("gives up on a region that does not answer within seconds, as FenceFailed", async () => {
    const started = Date.now();
    const run = await runSerialized(
      code,
      {
        action: "fence",
        region: "us-east-1",
        parameterName: "acmepay-dev-active-region",
        activeRegion: "us-west-2",
      },
      { ...environment, AWS_ENDPOINT_URL_SSM: silentUrl },
    );
    const seconds = (Date.now() - started) / 1000;
    assert.equal(run.ok, false);
    assert.equal(run.errorType, "FenceFailed");
    assert.match(
      String(run.error),
      /^could not set acmepay-dev-active-region in us-east-1 to us-west-2: /,
    );
    // Two attempts of 3 s each, well inside the step's 12 s Lambda timeout.
    assert.ok(seconds < 12, `took ${seconds} s`);
  });

  it("verifies the health endpoint over HTTP: standby fails, active passes", async () => {
    role = "standby";
    const standby = await runSerialized(
      code,
      { action: "verify-health", url: apiUrl },
      environment,
    );
    assert.equal(standby.errorType, "HealthCheckFailed");
    role = "active";
    const active = await runSerialized(code, { action: "verify-health", url: apiUrl }, environment);
    assert.deepEqual(active, {
      ok: true,
      result: { status: 200, role: "active", region: "us-west-2" },
    });
  });

  it("records the run with each step's measured duration in the runs table", async () => {
    const run = await runSerialized(
      code,
      {
        action: "record",
        runId: "drill-7",
        executionArn: EXECUTION,
        mode: "planned",
        reason: "quarterly drill",
        fromRegion: "us-east-1",
        toRegion: "us-west-2",
        outcome: "SUCCEEDED",
        fence: { fenced: true, region: "us-east-1" },
      },
      environment,
    );
    assert.equal(run.ok, true, run.error);
    const [item] = await db.items(RUNS_TABLE);
    assert.equal(item.runId.S, "drill-7");
    assert.equal(item.status.S, "SUCCEEDED");
    assert.equal(item.oldRegionFenced.BOOL, true);
    assert.equal(item.failedStep.NULL, true);
    const steps = JSON.parse(String(item.steps.S)) as {
      state: string;
      seconds: number;
      visits: number;
    }[];
    assert.deepEqual(steps.slice(0, 3), [
      { state: "RecordStart", seconds: 1, visits: 1 },
      { state: "FenceOldRegion", seconds: 2, visits: 1 },
      { state: "ReadWriter", seconds: 3, visits: 2 },
    ]);
    assert.deepEqual(
      aws.calls
        .filter((c) => c.target === "AWSStepFunctions.GetExecutionHistory")
        .map((c) => c.body.executionArn),
      [EXECUTION],
    );
  });

  it("flips ARC routing controls through the first cluster endpoint that answers", async () => {
    aws.calls.length = 0;
    const run = await runSerialized(
      code,
      {
        action: "route-traffic",
        // The first endpoint never answers; the second is the stub.
        clusterEndpoints: [
          { endpoint: silentUrl, region: "us-east-1" },
          { endpoint: aws.endpoint, region: "us-west-2" },
        ],
        on: "arn:aws:route53-recovery-control::111122223333:controlpanel/p/routingcontrol/usw2",
        off: "arn:aws:route53-recovery-control::111122223333:controlpanel/p/routingcontrol/use1",
      },
      environment,
    );
    assert.deepEqual(run, { ok: true, result: { endpointRegion: "us-west-2", tried: 2 } });
    assert.deepEqual(aws.calls, [
      {
        target: "ToggleCustomerAPI.UpdateRoutingControlStates",
        body: {
          UpdateRoutingControlStateEntries: [
            {
              RoutingControlArn:
                "arn:aws:route53-recovery-control::111122223333:controlpanel/p/routingcontrol/usw2",
              RoutingControlState: "On",
            },
            {
              RoutingControlArn:
                "arn:aws:route53-recovery-control::111122223333:controlpanel/p/routingcontrol/use1",
              RoutingControlState: "Off",
            },
          ],
        },
      },
    ]);
  });

  // Lambda UpdateEventSourceMapping is PUT /2015-03-31/event-source-mappings/{UUID} with
  // `Enabled` in the body; the answer is the mapping, "Disabling" or "Enabling" meanwhile
  // (https://docs.aws.amazon.com/lambda/latest/api/API_UpdateEventSourceMapping.html).
  it("pauses a region's processing: every mapping of the region, Enabled false", async () => {
    const mappings = [
      "0f4d9c1e-3a57-4a8b-9d1c-7e2f5b6a8c90",
      "1a2b3c4d-5e6f-4a8b-9d1c-7e2f5b6a8c91",
    ];
    const lambda = await startAwsStub(
      Object.fromEntries(
        mappings.map((uuid) => [
          `PUT /2015-03-31/event-source-mappings/${uuid}`,
          () => ({ body: { UUID: uuid, State: "Disabling" } }),
        ]),
      ),
    );
    try {
      const run = await runSerialized(
        code,
        { action: "set-processing", region: "us-east-1", mappings, enabled: false },
        { ...environment, AWS_ENDPOINT_URL_LAMBDA: lambda.endpoint },
      );
      assert.deepEqual(run, {
        ok: true,
        result: { region: "us-east-1", enabled: false, mappings: 2 },
      });
      assert.deepEqual(
        lambda.calls.map((c) => [c.target, c.body]),
        mappings.map((uuid) => [
          `PUT /2015-03-31/event-source-mappings/${uuid}`,
          { Enabled: false },
        ]),
      );
    } finally {
      await lambda.close();
    }
  });

  // SQS (JSON protocol): ReceiveMessage answers Messages with their MD5OfBody, which the SDK
  // checks; SendMessageBatch answers Successful/Failed by entry Id; GetQueueAttributes the
  // Approximate* counts as strings
  // (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ReceiveMessage.html,
  // …/API_SendMessageBatch.html, …/API_GetQueueAttributes.html). ListExecutions answers the
  // executions with the status asked for
  // (https://docs.aws.amazon.com/step-functions/latest/apireference/API_ListExecutions.html).
  it("drains the old region: moves its queued payments here, then counts what is left there", async () => {
    const md5 = (text: string) => createHash("md5").update(text).digest("hex");
    const waiting = ['{"payment":{"paymentId":"pay_1"}}', '{"payment":{"paymentId":"pay_2"}}'];
    const sqs = await startAwsStub({
      "AmazonSQS.ReceiveMessage": (body) => {
        const messages = String(body.QueueUrl).includes("-payments-use1")
          ? waiting.splice(0, Number(body.MaxNumberOfMessages))
          : [];
        return {
          body: {
            Messages: messages.map((text, i) => ({
              MessageId: `m-${i}`,
              ReceiptHandle: `rh-${text.length}-${i}`,
              Body: text,
              MD5OfBody: md5(text),
            })),
          },
        };
      },
      "AmazonSQS.SendMessageBatch": (body) => ({
        body: {
          Successful: (body.Entries as { Id: string; MessageBody: string }[]).map((e) => ({
            Id: e.Id,
            MessageId: `sent-${e.Id}`,
            MD5OfMessageBody: md5(e.MessageBody),
          })),
          Failed: [],
        },
      }),
      "AmazonSQS.DeleteMessageBatch": (body) => ({
        body: {
          Successful: (body.Entries as { Id: string }[]).map((e) => ({ Id: e.Id })),
          Failed: [],
        },
      }),
      "AmazonSQS.GetQueueAttributes": () => ({
        body: {
          Attributes: {
            ApproximateNumberOfMessages: "0",
            ApproximateNumberOfMessagesNotVisible: "1",
            ApproximateNumberOfMessagesDelayed: "2",
          },
        },
      }),
      "AWSStepFunctions.ListExecutions": () => ({
        body: {
          executions: [
            {
              executionArn: "arn:aws:states:us-east-1:111122223333:execution:p:e1",
              stateMachineArn: "arn:aws:states:us-east-1:111122223333:stateMachine:p",
              name: "e1",
              status: "RUNNING",
              startDate: 1_790_000_000,
            },
          ],
        },
      }),
    });
    try {
      const peerQueues = [
        "https://sqs.us-east-1.amazonaws.com/111122223333/acmepay-dev-payments-use1",
        "https://sqs.us-east-1.amazonaws.com/111122223333/acmepay-dev-payments-repair-use1",
      ];
      const here = "https://sqs.us-west-2.amazonaws.com/111122223333/acmepay-dev-payments-usw2";
      const run = await runSerialized(
        code,
        {
          action: "drain",
          fromRegion: "us-east-1",
          queueUrls: peerQueues,
          stateMachineArn: "arn:aws:states:us-east-1:111122223333:stateMachine:p",
          toQueueUrl: here,
          maxMoves: 200,
        },
        { ...environment, AWS_ENDPOINT_URL_SQS: sqs.endpoint, AWS_ENDPOINT_URL_SFN: sqs.endpoint },
      );
      assert.deepEqual(run, {
        ok: true,
        result: { moved: 2, visible: 0, inFlight: 2, delayed: 4, running: 1, drained: false },
      });
      const sent = sqs.calls.find((c) => c.target === "AmazonSQS.SendMessageBatch");
      assert.equal(sent?.body.QueueUrl, here);
      assert.deepEqual(
        (sent?.body.Entries as { MessageBody: string }[]).map((e) => e.MessageBody),
        ['{"payment":{"paymentId":"pay_1"}}', '{"payment":{"paymentId":"pay_2"}}'],
      );
      const deleted = sqs.calls.find((c) => c.target === "AmazonSQS.DeleteMessageBatch");
      assert.equal(deleted?.body.QueueUrl, peerQueues[0]);
      assert.equal((deleted?.body.Entries as unknown[]).length, 2);
      // Sent here before deleted there: never only in flight between the regions.
      const order = sqs.calls.map((c) => c.target);
      assert.ok(
        order.indexOf("AmazonSQS.SendMessageBatch") < order.indexOf("AmazonSQS.DeleteMessageBatch"),
      );
    } finally {
      await sqs.close();
    }
  });

  it("refuses an unknown action by name", async () => {
    const run = await runSerialized(code, { action: "reboot" }, environment);
    assert.deepEqual(run, {
      ok: false,
      error: 'unknown action "reboot"',
      errorType: "UnknownAction",
    });
  });
});
