/**
 * The failover runbook's definition (Amazon States Language, JSONPath): it moves the write path to
 * the region it runs in. Deployed in both regions, so either region can take over and fail back.
 *
 * Input `{ mode: "planned" | "unplanned", targetRegion, reason }`; the target must be this region.
 *
 *   record the start → (planned) wait, bounded, for replication lag to drain → pause the old
 *   region's processing (its processor's event source mappings) → fence writes in the old region
 *   (its active-region flag names this region; unplanned mode carries on when the old region
 *   cannot be reached) → let writes the old region took before the fence replicate → drain the old
 *   region: move its queued payments to this region's queue and wait, bounded, until nothing is
 *   in flight and no payment workflow runs there (unplanned: one look, recorded) → read
 *   the global cluster: if this region's cluster already writes, skip ahead (a re-run is safe) →
 *   Aurora SwitchoverGlobalCluster (planned) or FailoverGlobalCluster with AllowDataLoss
 *   (unplanned) → wait, bounded, until this region's cluster writes → set this region's flag →
 *   resume processing here → traffic (DNS health checks carry it: the primary's check asks for the active writer) → verify
 *   this region's health endpoint as the active writer → record the run with each step's measured
 *   duration → notify.
 *
 * Order matters: the old region stops taking writes before the ledger moves, and this region
 * takes writes only once its ledger is the writer, so no acknowledged payment meets a read-only
 * ledger. Every AWS call retries a bounded number of times and is caught: a failure records the
 * run as FAILED with the error and the step, alerts, and ends in a Fail state named after it.
 * Every step is idempotent, so running the runbook again (a new execution) after a failure
 * resumes where the world is.
 */
import { FAILURE_PATH_STATES } from "../handlers/failover-steps";
import {
  awsSdk,
  catchAll,
  type Catcher,
  lambdaInvoke,
  optimized,
  passState,
  type Retrier,
  retryAny,
  type State,
  type StateMachineDefinition,
  type TaskCall,
  taskState,
} from "./asl";
import { RUNBOOK_COMMENT_PREFIX, runbookBudget } from "../model/recovery";

export type RunbookMode = "planned" | "unplanned";

export interface RunbookTargets {
  /** The region the runbook runs in and moves the writes to. */
  readonly region: string;
  /** The other region: the one that writes now. */
  readonly peerRegion: string;
  readonly stepsFunctionArn: string;
  readonly runsTable: string;
  readonly globalClusterIdentifier: string;
  readonly clusterArn: string;
  readonly clusterIdentifier: string;
  readonly paymentsTable: string;
  /** The active-region flag's name (the same in both regions). */
  readonly activeRegionParameter: string;
  readonly alarmsTopicArn: string;
  /** With ARC: the cluster's endpoints, and the routing controls to turn on (this region) and off. */
  readonly routingControls?: {
    readonly clusterEndpoints: readonly { readonly endpoint: string; readonly region: string }[];
    readonly controlArn: string;
    readonly peerControlArn: string;
  };
  /** This region's own API health endpoint, asked as the active writer. */
  readonly healthUrl: string;
  /** Planned mode switches over only when both stores' replication lag is at most this. */
  readonly lagThresholdMs: number;
  /** How long writes the old region took before its fence need to reach this region. */
  readonly fenceSettleSeconds: number;
  /** What the runbook pauses and drains in the old region, and resumes here. */
  readonly processing: {
    /** This region's processor event source mappings (UUIDs): resumed once it writes. */
    readonly mappings: readonly string[];
    readonly peerMappings: readonly string[];
    /** This region's payments queue: the old region's backlog moves here. */
    readonly queueUrl: string;
    /** The old region's payments and repair queues, and its payment workflow. */
    readonly peerQueueUrls: readonly string[];
    readonly peerStateMachineArn: string;
  };
  /** The planned drain's bound: a paused processor's last batches and workflows finish within it. */
  readonly drainWaitSeconds: number;
}

/** Polling bounds: the runbook's longest waits, and the write path's RTO budget with them. */
export const LAG_POLL = { intervalSeconds: 15, maxPolls: 20 } as const;
export const WRITER_POLL = { intervalSeconds: 10, maxPolls: 30 } as const;
export const HEALTH_VERIFY = { intervalSeconds: 5, attempts: 6 } as const;
export const DRAIN_POLL_SECONDS = 10;
/** Messages moved per drain call: the steps function's time limit holds about this many. */
export const DRAIN_MOVES_PER_CALL = 200;
/** The steps function's timeout, and the state's a little above it (Lambda's own limit ends first). */
export const STEP_FUNCTION_TIMEOUT_SECONDS = 12;
const STEP_TIMEOUT_SECONDS = 15;
/** An AWS call from the state machine: a healthy API answers in well under a second. */
const AWS_CALL_TIMEOUT_SECONDS = 10;

/** Failure kinds a run ends with (each is a Fail state's Error). */
export const RUNBOOK_ERRORS = {
  invalidInput: "Runbook.InvalidInput",
  lagNotDrained: "Runbook.LagNotDrained",
  writerNotPromoted: "Runbook.WriterNotPromoted",
  stepFailed: "Runbook.StepFailed",
} as const;

export type RunbookDefinition = StateMachineDefinition;

const [FAILURE, NOTIFY_FAILURE, FAILED_HOW] = FAILURE_PATH_STATES;

/**
 * A bounded call that records the run as FAILED on any error left after its retries. By default
 * it retries whatever error it meets (`retryAny`): in an incident an error class nobody listed
 * must not end a failover early, and the bound keeps the worst case known.
 */
function task(
  comment: string,
  call: TaskCall,
  next: string,
  options: {
    readonly resultPath?: string | null;
    readonly resultSelector?: Record<string, unknown>;
    readonly retry?: Retrier;
    readonly catchTo?: Catcher;
    readonly timeoutSeconds?: number;
  } = {},
): State {
  return taskState({
    comment,
    call,
    resultSelector: options.resultSelector,
    resultPath: options.resultPath === undefined ? null : options.resultPath,
    timeoutSeconds: options.timeoutSeconds ?? AWS_CALL_TIMEOUT_SECONDS,
    retry: [options.retry ?? retryAny(2)],
    catch: [options.catchTo ?? catchAll(FAILURE)],
    next,
  });
}

/** A step of the steps function (handlers/failover-steps.ts). */
function step(
  targets: RunbookTargets,
  comment: string,
  payload: Record<string, unknown>,
  next: string,
  options: { readonly resultPath: string | null; readonly retry?: Retrier; catchTo?: Catcher },
): State {
  return task(comment, lambdaInvoke(targets.stepsFunctionArn, payload), next, {
    resultPath: options.resultPath,
    resultSelector: options.resultPath === null ? undefined : { "result.$": "$.Payload" },
    retry: options.retry,
    catchTo: options.catchTo,
    timeoutSeconds: STEP_TIMEOUT_SECONDS,
  });
}

/**
 * The global cluster's writer, status and any switch under way, read by the steps function
 * (handlers/failover-steps.ts `readGlobalCluster`): it answers every field, null when AWS reports
 * nothing, so the Choices after it never read an absent path (a JSONPath filter over the members
 * would leave no value while no member reports IsWriter, mid-switch).
 */
const READ_GLOBAL_CLUSTER = (targets: RunbookTargets, next: string, retries: number): State =>
  step(
    targets,
    "Which cluster of the global database writes, and is a switch under way?",
    { action: "read-global-cluster", globalClusterIdentifier: targets.globalClusterIdentifier },
    next,
    { resultPath: "$.aurora", retry: retryAny(retries) },
  );

export function failoverRunbookDefinition(targets: RunbookTargets): RunbookDefinition {
  const { region, peerRegion } = targets;
  const recordFields = {
    "runId.$": "$$.Execution.Name",
    "executionArn.$": "$$.Execution.Id",
    "mode.$": "$.mode",
    "reason.$": "$.reason",
    fromRegion: peerRegion,
    toRegion: region,
  };
  const states: Record<string, State> = {
    CheckInput: {
      Type: "Choice",
      Comment: `Only { mode: planned | unplanned, targetRegion: ${region}, reason } starts a run here.`,
      // A Choice that reads an absent path fails with States.Runtime, which no Catch sees (Choice
      // states take none). Rules are tried in order and the first match wins, so each field is
      // proven present by a rule that routes its absence away before any rule compares it.
      // (`Not IsPresent` rather than `IsPresent: false`: the same test, and the form the local
      // interpreter the tests run on evaluates as the spec says.)
      // ASL: https://states-language.net/spec.html#choice-state
      Choices: [
        ...["$.mode", "$.targetRegion", "$.reason"].map((path) => ({
          Not: { Variable: path, IsPresent: true },
          Next: "InvalidInput",
        })),
        {
          And: [
            { Variable: "$.reason", IsString: true },
            { Variable: "$.targetRegion", StringEquals: region },
            {
              Or: [
                { Variable: "$.mode", StringEquals: "planned" },
                { Variable: "$.mode", StringEquals: "unplanned" },
              ],
            },
          ],
          Next: "Begin",
        },
      ],
      Default: "InvalidInput",
    },
    InvalidInput: {
      Type: "Fail",
      Comment: "Nothing was touched.",
      Error: RUNBOOK_ERRORS.invalidInput,
      Cause: `The input must be {"mode": "planned" | "unplanned", "targetRegion": "${region}", "reason": "<text>"}; run the runbook of the region that takes over`,
    },
    Begin: passState(
      "Start the poll counters.",
      { Result: { lag: 0, writer: 0, drain: 0 }, ResultPath: "$.polls" },
      "RecordStart",
    ),
    RecordStart: task(
      "Record the run as RUNNING: who asked, why, in which direction.",
      optimized("dynamodb", "putItem", {
        TableName: targets.runsTable,
        Item: {
          runId: { "S.$": "$$.Execution.Name" },
          executionArn: { "S.$": "$$.Execution.Id" },
          status: { S: "RUNNING" },
          mode: { "S.$": "$.mode" },
          reason: { "S.$": "$.reason" },
          fromRegion: { S: peerRegion },
          toRegion: { S: region },
          startedAt: { "S.$": "$$.Execution.StartTime" },
        },
      }),
      "Planned?",
    ),
    "Planned?": {
      Type: "Choice",
      Comment: "A planned switchover first waits for the replicas to catch up; an outage cannot.",
      Choices: [{ Variable: "$.mode", StringEquals: "planned", Next: "ReadReplicationLag" }],
      Default: "PauseOldRegion",
    },
    ReadReplicationLag: step(
      targets,
      "The latest replication lag of the ledger and of the payments table into this region.",
      {
        action: "replication-lag",
        clusterIdentifier: targets.clusterIdentifier,
        tableName: targets.paymentsTable,
        sourceRegion: peerRegion,
        receivingRegion: region,
        thresholdMs: targets.lagThresholdMs,
      },
      "LagDrained?",
      { resultPath: "$.lag", retry: retryAny(1) },
    ),
    "LagDrained?": {
      Type: "Choice",
      Comment: `Lag at most ${targets.lagThresholdMs} ms: go on; after ${LAG_POLL.maxPolls} more reads, give up before touching anything.`,
      Choices: [
        { Variable: "$.lag.result.drained", BooleanEquals: true, Next: "PauseOldRegion" },
        {
          Variable: "$.polls.lag",
          NumericGreaterThanEquals: LAG_POLL.maxPolls,
          Next: "LagNotDrained",
        },
      ],
      Default: "WaitForLag",
    },
    WaitForLag: {
      Type: "Wait",
      Comment: "CloudWatch publishes the lag every minute.",
      Seconds: LAG_POLL.intervalSeconds,
      Next: "CountLagPoll",
    },
    CountLagPoll: passState(
      "One more lag read.",
      {
        Parameters: {
          "lag.$": "States.MathAdd($.polls.lag, 1)",
          "writer.$": "$.polls.writer",
          "drain.$": "$.polls.drain",
        },
        ResultPath: "$.polls",
      },
      "ReadReplicationLag",
    ),
    LagNotDrained: passState(
      "The bounded wait ended: nothing was fenced or switched.",
      {
        Result: {
          Error: RUNBOOK_ERRORS.lagNotDrained,
          Cause: `Replication lag stayed above ${targets.lagThresholdMs} ms for ${LAG_POLL.maxPolls * LAG_POLL.intervalSeconds} s; nothing was changed. Retry later, or run an unplanned failover if the old region is failing.`,
        },
        ResultPath: "$.error",
      },
      FAILURE,
    ),
    PauseOldRegion: step(
      targets,
      `Pause ${peerRegion}'s processing: its processor stops taking batches from its queues; batches under way finish.`,
      {
        action: "set-processing",
        region: peerRegion,
        mappings: targets.processing.peerMappings,
        enabled: false,
      },
      "FenceOldRegion",
      {
        resultPath: "$.paused",
        retry: retryAny(1),
        catchTo: catchAll("PauseRequired?", "$.pauseError"),
      },
    ),
    "PauseRequired?": {
      Type: "Choice",
      Comment: `A planned run needs ${peerRegion} paused and stops otherwise, resuming whatever it paused; an unplanned one carries on (the region is down) and the record says so.`,
      Choices: [{ Variable: "$.mode", StringEquals: "planned", Next: "UndoPause" }],
      Default: "NoteNotPaused",
    },
    UndoPause: step(
      targets,
      `${peerRegion} still takes the writes: its processing resumes.`,
      {
        action: "set-processing",
        region: peerRegion,
        mappings: targets.processing.peerMappings,
        enabled: true,
      },
      "PauseFailed",
      { resultPath: null, catchTo: catchAll("PauseFailed", "$.undoError") },
    ),
    PauseFailed: passState(
      "A planned run stops here: nothing was fenced or switched.",
      {
        Parameters: {
          "Error.$": "$.pauseError.Error",
          "Cause.$": "States.JsonToString($.pauseError)",
        },
        ResultPath: "$.error",
      },
      FAILURE,
    ),
    NoteNotPaused: passState(
      "Record that the old region's processing was not paused: its processor's gate (flag and ledger writer) still refuses to settle there.",
      {
        Parameters: {
          result: { paused: false, region: peerRegion, "error.$": "$.pauseError.Error" },
        },
        ResultPath: "$.paused",
      },
      "FenceOldRegion",
    ),
    FenceOldRegion: step(
      targets,
      `Fence writes in ${peerRegion}: its flag names ${region}, so its API refuses payments.`,
      {
        action: "fence",
        region: peerRegion,
        parameterName: targets.activeRegionParameter,
        activeRegion: region,
      },
      "SettleWrites",
      {
        resultPath: "$.fence",
        retry: retryAny(1),
        catchTo: catchAll("FenceRequired?", "$.fenceError"),
      },
    ),
    "FenceRequired?": {
      Type: "Choice",
      Comment: `A planned run needs ${peerRegion} fenced; an unplanned one carries on (the region is down) and the record says it was not fenced.`,
      Choices: [{ Variable: "$.mode", StringEquals: "planned", Next: "FenceFailed" }],
      Default: "NoteNotFenced",
    },
    FenceFailed: passState(
      "A planned run stops here: nothing was switched.",
      {
        // A caught error always has Error; Cause only usually (ASL, "Error names"): carry it whole.
        Parameters: {
          "Error.$": "$.fenceError.Error",
          "Cause.$": "States.JsonToString($.fenceError)",
        },
        ResultPath: "$.error",
      },
      FAILURE,
    ),
    NoteNotFenced: passState(
      "Record that the old region was not fenced: fence it when it returns (re-run the runbook).",
      {
        Parameters: {
          result: { fenced: false, region: peerRegion, "error.$": "$.fenceError.Error" },
        },
        ResultPath: "$.fence",
      },
      "SettleWrites",
    ),
    SettleWrites: {
      Type: "Wait",
      Comment:
        "The old region's API trusts its flag for a few seconds, and what it took before the fence replicates here within the alarm's bound.",
      Seconds: targets.fenceSettleSeconds,
      Next: "DrainOldRegion",
    },
    DrainOldRegion: step(
      targets,
      `Move ${peerRegion}'s queued payments to ${region}'s queue; report what is still in flight or running there.`,
      {
        action: "drain",
        fromRegion: peerRegion,
        queueUrls: targets.processing.peerQueueUrls,
        stateMachineArn: targets.processing.peerStateMachineArn,
        toQueueUrl: targets.processing.queueUrl,
        maxMoves: DRAIN_MOVES_PER_CALL,
      },
      "Drained?",
      {
        resultPath: "$.drain",
        retry: retryAny(1),
        catchTo: catchAll("NoteNotDrained", "$.drainError"),
      },
    ),
    "Drained?": {
      Type: "Choice",
      Comment: `Planned: wait until nothing is queued or in flight in ${peerRegion} and no payment workflow runs there, at most ${drainPolls(targets) * DRAIN_POLL_SECONDS} s; then switch (what is left settles once wherever it is delivered, and the record says what it was). Unplanned: one look.`,
      Choices: [
        { Variable: "$.drain.result.drained", BooleanEquals: true, Next: "ReadGlobalCluster" },
        { Variable: "$.mode", StringEquals: "unplanned", Next: "ReadGlobalCluster" },
        {
          Variable: "$.polls.drain",
          NumericGreaterThanEquals: drainPolls(targets),
          Next: "ReadGlobalCluster",
        },
      ],
      Default: "WaitForDrain",
    },
    WaitForDrain: {
      Type: "Wait",
      Comment: "Batches and workflows under way finish; new ones do not start there.",
      Seconds: DRAIN_POLL_SECONDS,
      Next: "CountDrainPoll",
    },
    CountDrainPoll: passState(
      "One more drain.",
      {
        Parameters: {
          "lag.$": "$.polls.lag",
          "writer.$": "$.polls.writer",
          "drain.$": "States.MathAdd($.polls.drain, 1)",
        },
        ResultPath: "$.polls",
      },
      "DrainOldRegion",
    ),
    NoteNotDrained: passState(
      "The old region could not be drained (unreachable): its queued payments stay RECEIVED in the payments table, where this region's sweeper finds them.",
      {
        Parameters: {
          result: { drained: false, reachable: false, "error.$": "$.drainError.Error" },
        },
        ResultPath: "$.drain",
      },
      "ReadGlobalCluster",
    ),
    ReadGlobalCluster: READ_GLOBAL_CLUSTER(targets, "AlreadyWriter?", 2),
    "AlreadyWriter?": {
      Type: "Choice",
      Comment: "A re-run finds the switch done or under way and does not ask again.",
      Choices: [
        // A switchover or failover is scheduled or running (FailoverState): wait for its writer.
        { Not: { Variable: "$.aurora.result.switching", IsNull: true }, Next: "WaitForWriter" },
        {
          Variable: "$.aurora.result.writer",
          StringEquals: targets.clusterArn,
          Next: "WaitForWriter",
        },
        {
          Not: { Variable: "$.aurora.result.status", StringEquals: "available" },
          Next: "WaitForWriter",
        },
        { Variable: "$.mode", StringEquals: "planned", Next: "SwitchoverLedger" },
      ],
      Default: "FailoverLedger",
    },
    SwitchoverLedger: task(
      `Planned: make ${region}'s cluster the writer once it has every write (RPO 0).`,
      awsSdk("rds", "switchoverGlobalCluster", {
        GlobalClusterIdentifier: targets.globalClusterIdentifier,
        TargetDbClusterIdentifier: targets.clusterArn,
      }),
      "WaitForWriter",
      { retry: retryAny(2, 5) },
    ),
    FailoverLedger: task(
      `Unplanned: make ${region}'s cluster the writer now, accepting the replication lag as loss.`,
      awsSdk("rds", "failoverGlobalCluster", {
        GlobalClusterIdentifier: targets.globalClusterIdentifier,
        TargetDbClusterIdentifier: targets.clusterArn,
        AllowDataLoss: true,
      }),
      "WaitForWriter",
      { retry: retryAny(2, 5) },
    ),
    WaitForWriter: {
      Type: "Wait",
      Comment: "Aurora promotes the cluster in about a minute.",
      Seconds: WRITER_POLL.intervalSeconds,
      Next: "CountWriterPoll",
    },
    CountWriterPoll: passState(
      "One more read of the global cluster.",
      {
        Parameters: {
          "lag.$": "$.polls.lag",
          "writer.$": "States.MathAdd($.polls.writer, 1)",
          "drain.$": "$.polls.drain",
        },
        ResultPath: "$.polls",
      },
      "ReadWriter",
    ),
    ReadWriter: READ_GLOBAL_CLUSTER(targets, "WriterPromoted?", 1),
    "WriterPromoted?": {
      Type: "Choice",
      Comment: `Done when ${region}'s cluster writes and the global cluster is available again.`,
      Choices: [
        {
          And: [
            { Variable: "$.aurora.result.writer", StringEquals: targets.clusterArn },
            { Variable: "$.aurora.result.status", StringEquals: "available" },
            { Variable: "$.aurora.result.switching", IsNull: true },
          ],
          Next: "SetActiveRegion",
        },
        {
          Variable: "$.polls.writer",
          NumericGreaterThanEquals: WRITER_POLL.maxPolls,
          Next: "WriterNotPromoted",
        },
      ],
      Default: "WaitForWriter",
    },
    WriterNotPromoted: passState(
      "The bounded wait ended without a new writer.",
      {
        Result: {
          Error: RUNBOOK_ERRORS.writerNotPromoted,
          Cause: `${region}'s cluster did not become the writer within ${WRITER_POLL.maxPolls * WRITER_POLL.intervalSeconds} s; writes stay fenced. Check the global cluster, then re-run the runbook.`,
        },
        ResultPath: "$.error",
      },
      FAILURE,
    ),
    SetActiveRegion: task(
      `${region} takes payment writes: its flag names itself.`,
      awsSdk("ssm", "putParameter", {
        Name: targets.activeRegionParameter,
        Value: region,
        Overwrite: true,
      }),
      "ResumeProcessing",
    ),
    ResumeProcessing: step(
      targets,
      `${region}'s processor takes batches from its queues again (the old region's backlog is among them).`,
      { action: "set-processing", region, mappings: targets.processing.mappings, enabled: true },
      "RouteTraffic",
      { resultPath: "$.resumed" },
    ),
    RouteTraffic:
      targets.routingControls === undefined
        ? passState(
            "No routing control to flip: the primary's Route 53 check asks for the active writer, so DNS moves api traffic to the region whose flag names itself.",
            {
              Result: {
                control: "route53-health-checks",
                detail: "the primary's record check passes only for the active writer",
              },
              ResultPath: "$.traffic",
            },
            "VerifyHealth",
          )
        : step(
            targets,
            `ARC: turn ${region}'s routing control on and ${peerRegion}'s off in one call (the safety rule keeps one on); DNS follows within the records' TTL.`,
            {
              action: "route-traffic",
              clusterEndpoints: targets.routingControls.clusterEndpoints,
              on: targets.routingControls.controlArn,
              off: targets.routingControls.peerControlArn,
            },
            "VerifyHealth",
            { resultPath: "$.traffic" },
          ),
    VerifyHealth: step(
      targets,
      `${region}'s API answers its health check as the active writer.`,
      { action: "verify-health", url: targets.healthUrl },
      "RecordSuccess",
      {
        resultPath: "$.health",
        retry: retryAny(HEALTH_VERIFY.attempts, HEALTH_VERIFY.intervalSeconds),
      },
    ),
    RecordSuccess: step(
      targets,
      "Record the run with the measured duration of each step.",
      {
        action: "record",
        ...recordFields,
        outcome: "SUCCEEDED",
        "fence.$": "$.fence.result",
        "paused.$": "$.paused.result",
        "drain.$": "$.drain.result",
      },
      "NotifySuccess",
      { resultPath: "$.record" },
    ),
    NotifySuccess: task(
      "Tell the on-call people.",
      optimized("sns", "publish", {
        TopicArn: targets.alarmsTopicArn,
        Subject: `Payments write path moved to ${region}`,
        "Message.$": "States.JsonToString($.record.result)",
      }),
      "Done",
    ),
    Done: { Type: "Succeed", Comment: `${region} takes the writes.` },
    [FAILURE]: step(
      targets,
      "Record the run as FAILED with the error and the step it stopped at.",
      {
        action: "record",
        ...recordFields,
        outcome: "FAILED",
        "error.$": "$.error",
      },
      NOTIFY_FAILURE,
      { resultPath: "$.record", catchTo: catchAll(NOTIFY_FAILURE, "$.recordError") },
    ),
    [NOTIFY_FAILURE]: task(
      "Alert: the runbook stopped.",
      optimized("sns", "publish", {
        TopicArn: targets.alarmsTopicArn,
        Subject: `Payments failover to ${region} FAILED`,
        "Message.$": "States.JsonToString($.error)",
      }),
      FAILED_HOW,
      { catchTo: catchAll(FAILED_HOW, "$.notifyError") },
    ),
    [FAILED_HOW]: {
      Type: "Choice",
      Comment: "End with the failure's own name.",
      Choices: [
        {
          Variable: "$.error.Error",
          StringEquals: RUNBOOK_ERRORS.lagNotDrained,
          Next: "LagStayedHigh",
        },
        {
          Variable: "$.error.Error",
          StringEquals: RUNBOOK_ERRORS.writerNotPromoted,
          Next: "NoNewWriter",
        },
      ],
      Default: "StepFailed",
    },
    LagStayedHigh: {
      Type: "Fail",
      Comment: "Nothing was changed.",
      Error: RUNBOOK_ERRORS.lagNotDrained,
      Cause: "Replication lag did not drain within the bounded wait; nothing was changed",
    },
    NoNewWriter: {
      Type: "Fail",
      Comment: "Writes stay fenced until the runbook runs again.",
      Error: RUNBOOK_ERRORS.writerNotPromoted,
      Cause: "The target cluster did not become the writer within the bounded wait",
    },
    StepFailed: {
      Type: "Fail",
      Comment: "The record names the step and its error.",
      Error: RUNBOOK_ERRORS.stepFailed,
      Cause: "A runbook step failed after its retries; see the run record and the alert",
    },
  };
  const definition = {
    Comment: `${RUNBOOK_COMMENT_PREFIX} moves the payment write path from ${peerRegion} to ${region}.`,
    StartAt: "CheckInput",
    TimeoutSeconds: 0,
    States: states,
  };
  return { ...definition, TimeoutSeconds: runbookTimeoutSeconds(definition) };
}

/** Drain reads before a planned run switches anyway. */
function drainPolls(targets: RunbookTargets): number {
  return Math.ceil(targets.drainWaitSeconds / DRAIN_POLL_SECONDS);
}

/** The execution's own timeout: the slowest run's bound, plus a minute. */
function runbookTimeoutSeconds(definition: RunbookDefinition): number {
  const planned = runbookBudget(definition, "planned").worstCaseSeconds;
  const unplanned = runbookBudget(definition, "unplanned").worstCaseSeconds;
  return Math.ceil(Math.max(planned, unplanned)) + 60;
}
