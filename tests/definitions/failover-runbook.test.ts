import { strict as assert } from "node:assert";
import { StateMachine } from "aws-local-stepfunctions";
import {
  DRAIN_POLL_SECONDS,
  failoverRunbookDefinition,
  LAG_POLL,
  RUNBOOK_ERRORS,
  type RunbookTargets,
  WRITER_POLL,
} from "../../definitions/failover-runbook";
import { runbookBudget } from "../../model/recovery";
import {
  drain,
  type DrainRequest,
  type ProcessingRequest,
  setProcessing,
  type GlobalClusterRequest,
  readGlobalCluster,
  fence,
  type FenceRequest,
  type HealthRequest,
  type LagRequest,
  type RecordRequest,
  recordRun,
  replicationLag,
  routeTraffic,
  type RouteTrafficRequest,
  type RunRecord,
  verifyHealth,
} from "../../handlers/failover-steps";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const aslValidator = require("asl-validator") as (definition: unknown) => {
  isValid: boolean;
  errorsText: () => string;
};

const REGION = "us-west-2";
const PEER = "us-east-1";
const ACCOUNT = "111122223333";
const CLUSTER = `arn:aws:rds:${REGION}:${ACCOUNT}:cluster:acmepay-prod-ledger-usw2`;
const PEER_CLUSTER = `arn:aws:rds:${PEER}:${ACCOUNT}:cluster:acmepay-prod-ledger-use1`;
const TARGETS: RunbookTargets = {
  region: REGION,
  peerRegion: PEER,
  stepsFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:acmepay-prod-failover-steps-usw2`,
  runsTable: "acmepay-prod-failover-runs-usw2",
  globalClusterIdentifier: "acmepay-prod-ledger",
  clusterArn: CLUSTER,
  clusterIdentifier: "acmepay-prod-ledger-usw2",
  paymentsTable: "acmepay-prod-payments",
  activeRegionParameter: "acmepay-prod-active-region",
  alarmsTopicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:acmepay-prod-alarms-usw2`,
  healthUrl: `https://${REGION}.api.payments.acmepay.io/health?role=active`,
  lagThresholdMs: 1000,
  fenceSettleSeconds: 10,
  processing: {
    mappings: ["usw2-payments-mapping", "usw2-repair-mapping"],
    peerMappings: ["use1-payments-mapping", "use1-repair-mapping"],
    queueUrl: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/acmepay-prod-payments-usw2`,
    peerQueueUrls: [
      `https://sqs.${PEER}.amazonaws.com/${ACCOUNT}/acmepay-prod-payments-use1`,
      `https://sqs.${PEER}.amazonaws.com/${ACCOUNT}/acmepay-prod-payments-repair-use1`,
    ],
    peerStateMachineArn: `arn:aws:states:${PEER}:${ACCOUNT}:stateMachine:acmepay-prod-payments-use1`,
  },
  drainWaitSeconds: 90,
};
const DRAIN_POLLS = Math.ceil(TARGETS.drainWaitSeconds / DRAIN_POLL_SECONDS);
const DEFINITION = failoverRunbookDefinition(TARGETS);
const STATES = DEFINITION.States;
const byType = (type: string) =>
  Object.entries(STATES)
    .filter(([, s]) => s.Type === type)
    .map(([name]) => name);

/** The world the runbook acts on: both regions' flags, the global cluster, metrics, the API. */
class World {
  flags: Record<string, string> = { [PEER]: PEER, [REGION]: PEER };
  writer = PEER_CLUSTER;
  status = "available";
  peerReachable = true;
  /** Lag readings in order; the last repeats. */
  auroraLag: number[] = [200];
  /** Reads of the global cluster after a switch before the new writer shows. */
  promotionReads = 2;
  pendingPromotion: number | undefined;
  calls: { state: string; input: Record<string, unknown> }[] = [];
  started: Record<string, unknown>[] = [];
  records: RunRecord[] = [];
  notifications: { Subject?: string; Message?: string }[] = [];
  /** Steps that fail every attempt, by state name. */
  broken = new Set<string>();
  violations: string[] = [];
  routing: Record<string, string> = {};
  /** Whether each region's processor polls its queues (its event source mappings' Enabled). */
  processing: Record<string, boolean> = { [PEER]: true, [REGION]: false };
  /**
   * The old region's payments queue, and this region's. A received message is in flight until
   * deleted (SQS ReceiveMessage / DeleteMessageBatch:
   * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ReceiveMessage.html).
   */
  peerQueue: string[] = ["m1", "m2", "m3"];
  peerInFlight = new Map<string, string>();
  /** Batches a paused processor still holds (each drain read sees one finish). */
  processorInFlight = 2;
  /** Payment workflows still RUNNING in the old region (each drain read sees one end). */
  peerRunning = 1;
  queue: string[] = [];

  private setFlag(region: string, value: string): void {
    this.flags[region] = value;
    if (this.flags[PEER] === PEER && this.flags[REGION] === REGION) {
      this.violations.push("both regions take writes");
    }
    if (value === region && region === REGION && this.writer !== CLUSTER) {
      this.violations.push(`${REGION} takes writes while its ledger is read-only`);
    }
  }

  private describe() {
    if (this.pendingPromotion !== undefined) {
      this.pendingPromotion -= 1;
      if (this.pendingPromotion <= 0) {
        this.writer = CLUSTER;
        this.status = "available";
        this.pendingPromotion = undefined;
      }
    }
    // While a switchover or failover runs, the members are "assuming their new roles" (RDS API,
    // SwitchoverGlobalCluster): this world reports no writer then, the case a Choice that reads
    // the writer must survive, and the operation in FailoverState, which the RDS API reports only
    // while one is scheduled or in progress
    // (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_FailoverState.html).
    const switching = this.pendingPromotion !== undefined;
    return {
      GlobalClusters: [
        {
          GlobalClusterIdentifier: TARGETS.globalClusterIdentifier,
          Status: this.status,
          GlobalClusterMembers: [
            { DBClusterArn: PEER_CLUSTER, IsWriter: !switching && this.writer === PEER_CLUSTER },
            { DBClusterArn: CLUSTER, IsWriter: !switching && this.writer === CLUSTER },
          ],
          ...(switching
            ? {
                FailoverState: {
                  Status: this.status,
                  FromDbClusterArn: PEER_CLUSTER,
                  ToDbClusterArn: CLUSTER,
                  IsDataLossAllowed: this.status === "failing-over",
                },
              }
            : {}),
        },
      ],
    };
  }

  /** What each Task does; the Lambda steps run their real cores over this world. */
  handlers(): Record<string, (input: Record<string, unknown>) => Promise<unknown>> {
    const lambda = (input: Record<string, unknown>) => input.Payload as Record<string, unknown>;
    const steps = {
      latestMaximum: async (query: { namespace: string }) =>
        query.namespace === "AWS/RDS"
          ? ((this.auroraLag.length > 1 ? this.auroraLag.shift() : this.auroraLag[0]) ?? null)
          : null,
      putParameter: async (region: string, _name: string, value: string) => {
        if (region === PEER && !this.peerReachable) {
          const error = new Error("connect ETIMEDOUT");
          error.name = "TimeoutError";
          throw error;
        }
        this.setFlag(region, value);
      },
      get: async () => ({
        status: this.flags[REGION] === REGION ? 200 : 503,
        body: JSON.stringify({
          region: REGION,
          role: this.flags[REGION] === REGION ? "active" : "standby",
        }),
      }),
      history: async () => [],
      put: async (record: RunRecord) => {
        this.records.push(record);
      },
      now: () => new Date("2026-11-21T10:05:00.000Z"),
    };
    const global = { describe: async () => this.describe().GlobalClusters[0] };
    const unreachable = (region: string) => {
      if (region === PEER && !this.peerReachable) {
        throw Object.assign(new Error("connect ETIMEDOUT"), { name: "TimeoutError" });
      }
    };
    const processing = {
      setEnabled: async (region: string, _uuid: string, enabled: boolean) => {
        unreachable(region);
        if (enabled && (this.flags[region] !== region || this.writer !== CLUSTER)) {
          this.violations.push(`${region} processes before it is the active writer`);
        }
        this.processing[region] = enabled;
      },
    };
    let handles = 0;
    const queues = {
      receive: async (region: string, url: string, max: number) => {
        unreachable(region);
        if (!url.includes("-payments-use1")) {
          return [];
        }
        return this.peerQueue.splice(0, max).map((body) => {
          handles += 1;
          this.peerInFlight.set(`h${handles}`, body);
          return { body, receiptHandle: `h${handles}` };
        });
      },
      send: async (_url: string, bodies: readonly string[]) => {
        this.queue.push(...bodies);
        return bodies.map((_, i) => i);
      },
      remove: async (_region: string, _url: string, receiptHandles: readonly string[]) => {
        for (const handle of receiptHandles) {
          this.peerInFlight.delete(handle);
        }
      },
      // GetQueueAttributes: ApproximateNumberOfMessages, …NotVisible, …Delayed.
      depth: async (region: string, url: string) => {
        unreachable(region);
        if (!url.includes("-payments-use1")) {
          return { visible: 0, inFlight: 0, delayed: 0 };
        }
        const inFlight = this.peerInFlight.size + this.processorInFlight;
        this.processorInFlight = Math.max(0, this.processorInFlight - 1);
        return { visible: this.peerQueue.length, inFlight, delayed: 0 };
      },
      running: async (region: string) => {
        unreachable(region);
        const running = this.peerRunning;
        this.peerRunning = Math.max(0, this.peerRunning - 1);
        return running;
      },
    };
    const readCluster = async (input: Record<string, unknown>) => ({
      Payload: await readGlobalCluster(lambda(input) as unknown as GlobalClusterRequest, global),
    });
    return {
      RecordStart: async (input) => {
        this.started.push(input.Item as Record<string, unknown>);
        return {};
      },
      ReadReplicationLag: async (input) => ({
        Payload: await replicationLag(lambda(input) as unknown as LagRequest, steps),
      }),
      PauseOldRegion: async (input) => ({
        Payload: await setProcessing(lambda(input) as unknown as ProcessingRequest, processing),
      }),
      FenceOldRegion: async (input) => ({
        Payload: await fence(lambda(input) as unknown as FenceRequest, steps),
      }),
      DrainOldRegion: async (input) => ({
        Payload: await drain(lambda(input) as unknown as DrainRequest, queues),
      }),
      ResumeProcessing: async (input) => ({
        Payload: await setProcessing(lambda(input) as unknown as ProcessingRequest, processing),
      }),
      ReadGlobalCluster: readCluster,
      ReadWriter: readCluster,
      SwitchoverLedger: async () => {
        if (this.processing[PEER] || this.peerQueue.length > 0) {
          this.violations.push(
            "a planned switch while the old region still processes or holds payments",
          );
        }
        this.status = "switching-over";
        this.pendingPromotion = this.promotionReads;
        return {};
      },
      FailoverLedger: async () => {
        this.status = "failing-over";
        this.pendingPromotion = this.promotionReads;
        return {};
      },
      SetActiveRegion: async (input) => {
        this.setFlag(REGION, String(input.Value));
        return {};
      },
      RouteTraffic: async (input) => ({
        Payload: await routeTraffic(lambda(input) as unknown as RouteTrafficRequest, {
          update: async (_endpoint, states) => {
            this.routing = Object.fromEntries(states.map((s) => [s.arn, s.state]));
          },
        }),
      }),
      VerifyHealth: async (input) => ({
        Payload: await verifyHealth(lambda(input) as unknown as HealthRequest, steps),
      }),
      RecordSuccess: async (input) => ({
        Payload: await recordRun(lambda(input) as unknown as RecordRequest, steps),
      }),
      RecordFailure: async (input) => ({
        Payload: await recordRun(lambda(input) as unknown as RecordRequest, steps),
      }),
      NotifySuccess: async (input) => {
        this.notifications.push(input);
        return { MessageId: "m" };
      },
      NotifyFailure: async (input) => {
        this.notifications.push(input);
        return { MessageId: "m" };
      },
    };
  }

  count(state: string): number {
    return this.calls.filter((c) => c.state === state).length;
  }

  order(): string[] {
    return this.calls.map((c) => c.state).filter((s, i, all) => all.indexOf(s) === i);
  }
}

let runs = 0;

async function run(
  world: World,
  input: unknown,
  definition = DEFINITION,
): Promise<{ error?: string; output?: unknown }> {
  runs += 1;
  const handlers = world.handlers();
  const tasks = Object.entries(definition.States)
    .filter(([, state]) => state.Type === "Task")
    .map(([name]) => name);
  const local = Object.fromEntries(
    tasks.map((state) => [
      state,
      async (input: unknown) => {
        world.calls.push({ state, input: input as Record<string, unknown> });
        if (world.broken.has(state)) {
          const error = new Error(`${state} is broken`);
          error.name = "Injected.Failure";
          throw error;
        }
        const handler = handlers[state];
        assert.ok(handler, `no stand-in for ${state}`);
        return (await handler(input as Record<string, unknown>)) as never;
      },
    ]),
  );
  const machine = new StateMachine(definition as never, {
    validationOptions: { checkArn: true, checkPaths: true },
  });
  const execution = machine.run(input as never, {
    context: {
      Execution: {
        Id: `arn:aws:states:${REGION}:${ACCOUNT}:execution:runbook:run-${runs}`,
        Name: `run-${runs}`,
        StartTime: "2026-11-21T10:00:00.000Z",
      },
      State: { EnteredTime: "2026-11-21T10:00:01.000Z" },
    } as never,
    overrides: {
      taskResourceLocalHandlers: local,
      waitTimeOverrides: Object.fromEntries(byType("Wait").map((s) => [s, 0])),
      retryIntervalOverrides: Object.fromEntries(tasks.map((s) => [s, 0])),
    },
  });
  try {
    return { output: await execution.result };
  } catch (error) {
    const failure = error as Error & { cause?: Error };
    return { error: failure.cause?.name ?? failure.name };
  }
}

const PLANNED = { mode: "planned", targetRegion: REGION, reason: "quarterly drill" };
const UNPLANNED = { mode: "unplanned", targetRegion: REGION, reason: "us-east-1 impaired" };

function assertTookOver(world: World): void {
  assert.deepEqual(world.flags, { [PEER]: REGION, [REGION]: REGION });
  assert.equal(world.writer, CLUSTER);
  assert.deepEqual(world.processing, { [PEER]: false, [REGION]: true });
  assert.deepEqual(world.violations, []);
}

describe("failover runbook", () => {
  it("is valid Amazon States Language, in JSONPath, with a timeout above its slowest run", () => {
    const result = aslValidator(DEFINITION);
    assert.ok(result.isValid, result.errorsText());
    const slowest = Math.max(
      runbookBudget(DEFINITION, "planned").worstCaseSeconds,
      runbookBudget(DEFINITION, "unplanned").worstCaseSeconds,
    );
    assert.ok(DEFINITION.TimeoutSeconds > slowest);
  });

  it("retries and catches every task, each with its own time limit", () => {
    for (const name of byType("Task")) {
      const state = STATES[name] as {
        TimeoutSeconds?: number;
        Retry?: { MaxAttempts: number }[];
        Catch?: { ErrorEquals: string[] }[];
      };
      assert.ok((state.TimeoutSeconds ?? 0) > 0, `${name} has a timeout`);
      assert.ok((state.Retry?.[0]?.MaxAttempts ?? 0) >= 1, `${name} retries`);
      assert.deepEqual(state.Catch?.[0]?.ErrorEquals, ["States.ALL"], `${name} is caught`);
    }
  });

  it("planned: waits for the lag, fences, switches over, then takes the writes, verifies, records, notifies", async () => {
    const world = new World();
    world.auroraLag = [4000, 2500, 600];
    const { error } = await run(world, PLANNED);
    assert.equal(error, undefined);
    assert.deepEqual(world.order(), [
      "RecordStart",
      "ReadReplicationLag",
      "PauseOldRegion",
      "FenceOldRegion",
      "DrainOldRegion",
      "ReadGlobalCluster",
      "SwitchoverLedger",
      "ReadWriter",
      "SetActiveRegion",
      "ResumeProcessing",
      "VerifyHealth",
      "RecordSuccess",
      "NotifySuccess",
    ]);
    // The backlog moved here; the drain waited for the paused batches and the running workflow.
    assert.deepEqual(world.queue, ["m1", "m2", "m3"]);
    assert.equal(world.count("DrainOldRegion"), 3);
    assert.equal(world.count("ReadReplicationLag"), 3);
    assert.equal(world.count("FailoverLedger"), 0);
    assert.deepEqual(world.calls.find((c) => c.state === "SwitchoverLedger")?.input, {
      GlobalClusterIdentifier: "acmepay-prod-ledger",
      TargetDbClusterIdentifier: CLUSTER,
    });
    assertTookOver(world);
    assert.equal(world.started[0].mode && (world.started[0].mode as { S: string }).S, "planned");
    const [record] = world.records;
    assert.equal(record.status, "SUCCEEDED");
    assert.equal(record.oldRegionFenced, true);
    assert.equal(record.oldRegionPaused, true);
    assert.deepEqual(record.leftInOldRegion, {
      moved: 0,
      visible: 0,
      inFlight: 0,
      delayed: 0,
      running: 0,
    });
    assert.equal(record.fromRegion, PEER);
    assert.equal(record.toRegion, REGION);
    assert.match(String(world.notifications[0].Subject), /moved to us-west-2/);
  });

  it("unplanned: the old region's calls time out, and the run fails over with data loss allowed anyway", async () => {
    const world = new World();
    world.peerReachable = false;
    const { error } = await run(world, UNPLANNED);
    assert.equal(error, undefined);
    assert.equal(world.count("ReadReplicationLag"), 0, "no lag wait in an outage");
    assert.equal(world.count("FenceOldRegion"), 2, "one retry, then on");
    assert.equal(world.count("SwitchoverLedger"), 0);
    assert.deepEqual(world.calls.find((c) => c.state === "FailoverLedger")?.input, {
      GlobalClusterIdentifier: "acmepay-prod-ledger",
      TargetDbClusterIdentifier: CLUSTER,
      AllowDataLoss: true,
    });
    assert.deepEqual(
      world.flags,
      { [PEER]: PEER, [REGION]: REGION },
      "the old region stays unfenced",
    );
    assert.equal(world.writer, CLUSTER);
    const [record] = world.records;
    assert.equal(record.status, "SUCCEEDED");
    assert.equal(record.oldRegionFenced, false, "the record says the old region needs fencing");
    assert.equal(record.oldRegionPaused, false);
    assert.equal(record.leftInOldRegion, null, "what it held is unknown: the sweeper re-drives it");
    assert.deepEqual(world.processing, { [PEER]: true, [REGION]: true });
  });

  it("unplanned with the old region reachable: one drain, what was left recorded, no waiting", async () => {
    const world = new World();
    const { error } = await run(world, UNPLANNED);
    assert.equal(error, undefined);
    assert.equal(world.count("DrainOldRegion"), 1);
    assert.deepEqual(world.queue, ["m1", "m2", "m3"]);
    assert.deepEqual(world.records[0].leftInOldRegion, {
      moved: 3,
      visible: 0,
      inFlight: 2,
      delayed: 0,
      running: 1,
    });
    assertTookOver(world);
  });

  it("planned: a drain that never ends is bounded; the run switches and records what was left", async () => {
    const world = new World();
    world.peerRunning = Number.POSITIVE_INFINITY;
    const { error } = await run(world, PLANNED);
    assert.equal(error, undefined);
    assert.equal(world.count("DrainOldRegion"), DRAIN_POLLS + 1);
    assert.equal(world.records[0].leftInOldRegion?.running, Number.POSITIVE_INFINITY);
    assertTookOver(world);
  });

  it("unplanned: a step function that times out on the old region is carried past too", async () => {
    const world = new World();
    const handlers = world.handlers();
    world.handlers = () => ({
      ...handlers,
      FenceOldRegion: async () => {
        const error = new Error("Task timed out");
        error.name = "States.Timeout";
        throw error;
      },
    });
    const { error } = await run(world, UNPLANNED);
    assert.equal(error, undefined);
    assert.equal(world.writer, CLUSTER);
    assert.equal(world.records[0].oldRegionFenced, false);
  });

  it("planned: an unreachable old region stops the run before anything is switched", async () => {
    const world = new World();
    world.peerReachable = false;
    const { error } = await run(world, PLANNED);
    assert.equal(error, RUNBOOK_ERRORS.stepFailed);
    assert.equal(world.count("SwitchoverLedger") + world.count("FailoverLedger"), 0);
    assert.deepEqual(world.flags, { [PEER]: PEER, [REGION]: PEER });
    assert.equal(world.records[0].status, "FAILED");
    // It stops at the first call to the old region: pausing its processing.
    assert.match(String(world.records[0].error), /^ProcessingNotSet: .*could not pause processing/);
    assert.equal(world.count("FenceOldRegion"), 0);
  });

  it("lag that never drains ends in a bounded wait, a clear failure and an alert, not a switchover", async () => {
    const world = new World();
    world.auroraLag = [30_000];
    const { error } = await run(world, PLANNED);
    assert.equal(error, RUNBOOK_ERRORS.lagNotDrained);
    assert.equal(world.count("ReadReplicationLag"), LAG_POLL.maxPolls + 1);
    for (const untouched of [
      "FenceOldRegion",
      "SwitchoverLedger",
      "FailoverLedger",
      "SetActiveRegion",
    ]) {
      assert.equal(world.count(untouched), 0, untouched);
    }
    assert.deepEqual(world.flags, { [PEER]: PEER, [REGION]: PEER });
    assert.equal(world.records[0].status, "FAILED");
    assert.match(
      String(world.records[0].error),
      /^Runbook\.LagNotDrained: Replication lag stayed above 1000 ms/,
    );
    assert.equal(world.notifications.length, 1);
    assert.match(String(world.notifications[0].Subject), /FAILED/);
  });

  it("a cluster that never becomes the writer ends the run with writes still fenced", async () => {
    const world = new World();
    world.promotionReads = Number.POSITIVE_INFINITY;
    const { error } = await run(world, UNPLANNED);
    assert.equal(error, RUNBOOK_ERRORS.writerNotPromoted);
    assert.equal(world.count("ReadWriter"), WRITER_POLL.maxPolls);
    assert.equal(
      world.flags[REGION],
      PEER,
      "this region does not take writes on a read-only ledger",
    );
    assert.equal(world.records[0].status, "FAILED");
  });

  it("a run that finds a switchover under way (no writer reported) waits for it instead of failing or switching again", async () => {
    for (const mode of [PLANNED, UNPLANNED]) {
      const world = new World();
      // An earlier run (or an operator) already asked Aurora to switch: no member is the writer.
      world.status = "switching-over";
      world.pendingPromotion = 3;
      const { error } = await run(world, mode);
      assert.equal(error, undefined, mode.mode);
      assert.equal(world.count("SwitchoverLedger") + world.count("FailoverLedger"), 0);
      assertTookOver(world);
    }
  });

  it("a writer that never shows while no member reports one ends the run fenced, through the failure path", async () => {
    const world = new World();
    world.status = "failing-over";
    world.pendingPromotion = Number.POSITIVE_INFINITY;
    const { error } = await run(world, UNPLANNED);
    assert.equal(error, RUNBOOK_ERRORS.writerNotPromoted);
    assert.equal(world.flags[REGION], PEER, "this region does not take writes");
    assert.equal(world.records[0].status, "FAILED");
    assert.equal(world.notifications.length, 1, "the failure is alerted");
  });

  it("with ARC: flips the routing controls once the new writer takes writes, before verifying", async () => {
    const definition = failoverRunbookDefinition({
      ...TARGETS,
      routingControls: {
        clusterEndpoints: [{ endpoint: "https://x.example.invalid/v1", region: "us-west-2" }],
        controlArn: "arn:rc/usw2",
        peerControlArn: "arn:rc/use1",
      },
    });
    const world = new World();
    const { error } = await run(world, UNPLANNED, definition);
    assert.equal(error, undefined);
    assert.deepEqual(world.routing, { "arn:rc/usw2": "On", "arn:rc/use1": "Off" });
    const order = world.order();
    assert.ok(order.indexOf("SetActiveRegion") < order.indexOf("RouteTraffic"));
    assert.ok(order.indexOf("RouteTraffic") < order.indexOf("VerifyHealth"));
  });

  it("refuses input for another region or without a mode or reason, touching nothing", async () => {
    for (const input of [
      { ...PLANNED, targetRegion: PEER },
      { targetRegion: REGION, reason: "x" },
      { ...PLANNED, mode: "sideways" },
      { mode: "planned", targetRegion: REGION },
    ]) {
      const world = new World();
      const { error } = await run(world, input);
      assert.equal(error, RUNBOOK_ERRORS.invalidInput, JSON.stringify(input));
      assert.deepEqual(world.calls, []);
    }
  });

  describe("a re-run after a failure at any step is safe and finishes the job", () => {
    const steps: [string, typeof PLANNED][] = [
      ["RecordStart", PLANNED],
      ["ReadReplicationLag", PLANNED],
      ["PauseOldRegion", PLANNED],
      ["FenceOldRegion", PLANNED],
      ["DrainOldRegion", PLANNED],
      ["ReadGlobalCluster", PLANNED],
      ["SwitchoverLedger", PLANNED],
      ["FailoverLedger", UNPLANNED],
      ["ReadWriter", PLANNED],
      ["SetActiveRegion", UNPLANNED],
      ["ResumeProcessing", PLANNED],
      ["VerifyHealth", PLANNED],
      ["RecordSuccess", PLANNED],
      ["NotifySuccess", UNPLANNED],
    ];
    for (const [state, input] of steps) {
      it(`${state} (${input.mode})`, async () => {
        const world = new World();
        world.broken.add(state);
        const first = await run(world, input);
        if (state === "DrainOldRegion") {
          // The old region is fenced and paused: the run switches, recording that it could not
          // drain; what it held is still RECEIVED, for the sweeper.
          assert.equal(first.error, undefined);
          assert.equal(world.records[0].leftInOldRegion, null);
          return;
        }
        // (NotifySuccess: the switch is done; only the success notice failed.)
        assert.equal(first.error, RUNBOOK_ERRORS.stepFailed);
        if (state === "PauseOldRegion") {
          assert.deepEqual(world.processing, { [PEER]: true, [REGION]: false }, "undone");
          assert.deepEqual(world.flags, { [PEER]: PEER, [REGION]: PEER }, "nothing fenced");
        }
        assert.deepEqual(world.violations, []);
        assert.equal(world.notifications.at(-1)?.Subject?.includes("FAILED"), true, "it alerted");
        world.broken.clear();
        const second = await run(world, input);
        assert.equal(second.error, undefined);
        assertTookOver(world);
        const switches = world.calls.filter(
          (c) => c.state === "SwitchoverLedger" || c.state === "FailoverLedger",
        );
        assert.ok(
          switches.length <= 1 + (state.endsWith("Ledger") ? 3 : 0),
          "no second switch once the first took",
        );
        assert.equal(world.records.at(-1)?.status, "SUCCEEDED");
      });
    }
  });

  it("bounds its runs: the write-path budget reads the same definition", () => {
    const unplanned = runbookBudget(DEFINITION, "unplanned");
    assert.equal(
      unplanned.nominalSeconds,
      TARGETS.fenceSettleSeconds + WRITER_POLL.maxPolls * WRITER_POLL.intervalSeconds,
    );
    const planned = runbookBudget(DEFINITION, "planned");
    assert.equal(
      planned.nominalSeconds,
      unplanned.nominalSeconds +
        LAG_POLL.maxPolls * LAG_POLL.intervalSeconds +
        DRAIN_POLLS * DRAIN_POLL_SECONDS,
    );
    assert.ok(unplanned.steps.some((s) => s.state === "FailoverLedger"));
    assert.ok(!unplanned.steps.some((s) => s.state === "SwitchoverLedger"));
  });
});
