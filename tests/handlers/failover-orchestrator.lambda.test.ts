import { strict as assert } from "node:assert";
import * as http from "node:http";
import { stackPlan } from "../fixtures/plan";
import {
  type AwsStub,
  close,
  listen,
  startAwsStub,
  type StubAnswer,
  ssmParameter,
} from "../../tools/harness/emulators";
import { runSerialized, serializedCode } from "../../tools/harness/serialized";
import { delivery } from "../fixtures/failover";

describe("failover orchestrator handler (serialized)", function () {
  this.timeout(60_000);
  const RUNBOOK =
    "arn:aws:states:us-west-2:111122223333:stateMachine:acmepay-dev-failover-runbook-usw2";
  const PEER_RUNBOOK =
    "arn:aws:states:us-east-1:111122223333:stateMachine:acmepay-dev-failover-runbook-use1";
  const ALARM = "acmepay-dev-region-impaired-use1";
  const PEER_DOWN = "acmepay-dev-peer-down-usw2";
  let code: string;
  let aws: AwsStub;
  const executions = new Set<string>();
  let environment: Record<string, string>;

  before(async () => {
    code = serializedCode(await stackPlan("dev"), "secondary-failover-orchestrator");
    aws = await startAwsStub({
      "AmazonSSM.GetParameter": ssmParameter("us-east-1"),
      "AWSStepFunctions.ListExecutions": () => ({ body: { executions: [] } }),
      "AWSStepFunctions.StartExecution": (body): StubAnswer => {
        const name = String(body.name);
        if (executions.has(name)) {
          return {
            status: 400,
            error: "ExecutionAlreadyExists",
            message: "Execution Already Exists",
          };
        }
        executions.add(name);
        return { body: { executionArn: `${RUNBOOK}:${name}`, startDate: 1_790_000_000 } };
      },
    });
    environment = {
      AWS_REGION: "us-west-2",
      PEER_REGION: "us-east-1",
      RUNBOOK_ARN: RUNBOOK,
      PEER_RUNBOOK_ARN: PEER_RUNBOOK,
      ACTIVE_REGION_PARAMETER: "acmepay-dev-active-region",
      CRITICAL_ALARMS: `${ALARM}@us-east-1,${PEER_DOWN}@us-west-2`,
      AUTOMATIC_WRITE_FAILOVER: "true",
      INCIDENT_WINDOW_SECONDS: "900",
      AWS_ENDPOINT_URL_SSM: aws.endpoint,
      AWS_ENDPOINT_URL_SFN: aws.endpoint,
    };
  });

  after(() => aws.close());

  it("starts the runbook once per incident for the other region's region-impaired alarm", async () => {
    const [first, second] = [
      await runSerialized(code, delivery(ALARM, "ALARM"), environment),
      await runSerialized(code, delivery(ALARM, "ALARM"), environment),
    ];
    assert.equal(first.ok, true, first.error);
    const decision = (run: typeof first) =>
      (run.result as { decisions: { start: boolean; started?: boolean; executionName?: string }[] })
        .decisions[0];
    assert.equal(decision(first).started, true);
    assert.equal(decision(second).started, false);
    const starts = aws.calls.filter((c) => c.target === "AWSStepFunctions.StartExecution");
    assert.equal(starts.length, 2);
    assert.equal(starts[0].body.stateMachineArn, RUNBOOK);
    assert.equal(starts[0].body.name, decision(first).executionName);
    assert.deepEqual(JSON.parse(String(starts[0].body.input)), {
      mode: "unplanned",
      targetRegion: "us-west-2",
      reason: `critical alarm ${ALARM} in us-east-1`,
    });
    // It looked for running runbooks in both regions.
    const listed = aws.calls
      .filter((c) => c.target === "AWSStepFunctions.ListExecutions")
      .map((c) => c.body.stateMachineArn);
    assert.deepEqual([...new Set(listed)].sort(), [PEER_RUNBOOK, RUNBOOK].sort());
  });

  it("fails the invocation of a malformed manual trigger, naming the problem", async () => {
    const run = await runSerialized(code, { mode: "planned" }, environment);
    assert.deepEqual(run, { ok: false, error: 'a manual trigger needs a non-empty "reason"' });
  });

  it("confirms this region's peer-down by asking the peer's health itself: a peer that answers is not failed over", async () => {
    const peer = http.createServer((_request, response) => {
      response.writeHead(200, { "Content-Type": "application/json" });
      response.end("{}");
    });
    const url = await listen(peer);
    try {
      const run = await runSerialized(code, delivery(PEER_DOWN, "ALARM", "us-west-2"), {
        ...environment,
        PEER_HEALTH_URL: `${url}/health`,
      });
      assert.deepEqual((run.result as { decisions: unknown[] }).decisions, [
        {
          start: false,
          reason: `alarm ${PEER_DOWN} is not confirmed: us-east-1 answers its health check`,
        },
      ]);
    } finally {
      await close(peer);
    }
    // A peer that does not answer at all (nothing listens there) is down: the runbook starts.
    const down = await runSerialized(
      code,
      delivery(PEER_DOWN, "ALARM", "us-west-2", "2026-11-21T12:00:00.000Z"),
      {
        ...environment,
        PEER_HEALTH_URL: "http://127.0.0.1:9/health",
      },
    );
    const decision = (down.result as { decisions: { start: boolean; started?: boolean }[] })
      .decisions[0];
    assert.deepEqual([decision.start, decision.started], [true, true]);
  });
});
