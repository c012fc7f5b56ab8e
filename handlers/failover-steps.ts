/**
 * The failover runbook's Lambda steps: what Step Functions cannot do from the runbook's own region
 * or in JSONPath alone.
 *
 * - `replication-lag`: the latest ledger lag (AuroraGlobalDBRPOLag of this region's cluster) and
 *   payments-table lag (ReplicationLatency into this region, published in the source region).
 * - `fence`: sets the old region's active-region flag to this region (a cross-region SSM call
 *   with short timeouts, so an unreachable region fails fast).
 * - `set-processing`: pauses or resumes a region's processor (its event source mappings).
 * - `drain`: moves a fenced region's queued payments to this region's queue, and reports what is
 *   still queued, in flight or running there.
 * - `route-traffic` (with ARC): this region's routing control on and the other's off, in one call
 *   to the first of the cluster's five regional endpoints that answers.
 * - `verify-health`: this region's API health endpoint must answer 200 as the active writer.
 * - `record`: the run's record, with each step's measured duration from the execution's history.
 *
 * Pure cores over small ports; the AWS shell that wires the SDK (provided by the runtime) and
 * dispatches on the action is ./failover-steps.lambda.
 */
import {
  type DescribedGlobalCluster,
  globalClusterView,
  type GlobalClusterView,
} from "./global-cluster";
import { namedError } from "./runtime";

export type { DescribedGlobalCluster, GlobalClusterView };

// ---- replication-lag -------------------------------------------------------------------------

export interface LagRequest {
  readonly action: "replication-lag";
  readonly clusterIdentifier: string;
  readonly tableName: string;
  readonly sourceRegion: string;
  readonly receivingRegion: string;
  readonly thresholdMs: number;
}

export interface LagReport {
  /** Null: no datapoint in the window. */
  readonly auroraLagMs: number | null;
  readonly dynamodbLagMs: number | null;
  readonly drained: boolean;
}

export interface MetricQuery {
  readonly region: string;
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
}

export interface LagPorts {
  /** The newest value of the metric's per-minute maximum over the last few minutes, or null. */
  readonly latestMaximum: (query: MetricQuery) => Promise<number | null>;
}

/**
 * Drained when the ledger's lag is known and at most the threshold, and the table's is too. The
 * table publishes ReplicationLatency only while writes replicate, so no datapoint means nothing
 * to wait for; the ledger's secondary publishes its lag continuously, so no datapoint means unknown.
 */
export async function replicationLag(request: LagRequest, ports: LagPorts): Promise<LagReport> {
  const [auroraLagMs, dynamodbLagMs] = await Promise.all([
    ports.latestMaximum({
      region: request.receivingRegion,
      namespace: "AWS/RDS",
      metricName: "AuroraGlobalDBRPOLag",
      dimensions: { DBClusterIdentifier: request.clusterIdentifier },
    }),
    ports.latestMaximum({
      region: request.sourceRegion,
      namespace: "AWS/DynamoDB",
      metricName: "ReplicationLatency",
      dimensions: { TableName: request.tableName, ReceivingRegion: request.receivingRegion },
    }),
  ]);
  const drained =
    auroraLagMs !== null &&
    auroraLagMs <= request.thresholdMs &&
    (dynamodbLagMs === null || dynamodbLagMs <= request.thresholdMs);
  return { auroraLagMs, dynamodbLagMs, drained };
}

// ---- read-global-cluster -------------------------------------------------------------------

export interface GlobalClusterRequest {
  readonly action: "read-global-cluster";
  readonly globalClusterIdentifier: string;
}

export interface GlobalClusterPorts {
  describe(identifier: string): Promise<DescribedGlobalCluster | undefined>;
}

export async function readGlobalCluster(
  request: GlobalClusterRequest,
  ports: GlobalClusterPorts,
): Promise<GlobalClusterView> {
  const cluster = await ports.describe(request.globalClusterIdentifier);
  if (cluster === undefined) {
    throw namedError(
      "GlobalClusterNotFound",
      `no global cluster ${request.globalClusterIdentifier}`,
    );
  }
  return globalClusterView(cluster);
}

// ---- fence -----------------------------------------------------------------------------------

export interface FenceRequest {
  readonly action: "fence";
  readonly region: string;
  readonly parameterName: string;
  readonly activeRegion: string;
}

export interface FencePorts {
  readonly putParameter: (region: string, name: string, value: string) => Promise<void>;
}

export async function fence(
  request: FenceRequest,
  ports: FencePorts,
): Promise<{ readonly fenced: true; readonly region: string }> {
  try {
    await ports.putParameter(request.region, request.parameterName, request.activeRegion);
  } catch (error) {
    const name = error instanceof Error ? error.name : "Error";
    throw namedError(
      "FenceFailed",
      `could not set ${request.parameterName} in ${request.region} to ${request.activeRegion}: ${name}`,
    );
  }
  return { fenced: true, region: request.region };
}

// ---- set-processing --------------------------------------------------------------------------

export interface ProcessingRequest {
  readonly action: "set-processing";
  readonly region: string;
  /** The UUIDs of the region's event source mappings (payments queue, repair queue). */
  readonly mappings: readonly string[];
  readonly enabled: boolean;
}

export interface ProcessingPorts {
  readonly setEnabled: (region: string, uuid: string, enabled: boolean) => Promise<void>;
}

/**
 * Pauses or resumes a region's processing: its processor's event source mappings stop or start
 * polling the queues (Lambda UpdateEventSourceMapping `Enabled`). Every mapping is tried; the
 * step fails naming those that did not change.
 */
export async function setProcessing(
  request: ProcessingRequest,
  ports: ProcessingPorts,
): Promise<{ readonly region: string; readonly enabled: boolean; readonly mappings: number }> {
  const failures: string[] = [];
  for (const uuid of request.mappings) {
    try {
      await ports.setEnabled(request.region, uuid, request.enabled);
    } catch (error) {
      failures.push(`${uuid}: ${error instanceof Error ? error.name : "Error"}`);
    }
  }
  if (failures.length > 0) {
    throw namedError(
      "ProcessingNotSet",
      `could not ${request.enabled ? "resume" : "pause"} processing in ${request.region} (${failures.join(", ")})`,
    );
  }
  return { region: request.region, enabled: request.enabled, mappings: request.mappings.length };
}

// ---- drain -----------------------------------------------------------------------------------

export interface DrainRequest {
  readonly action: "drain";
  /** The fenced region, its queues (payments, repair) and its payment workflow. */
  readonly fromRegion: string;
  readonly queueUrls: readonly string[];
  readonly stateMachineArn: string;
  /** This region's payments queue: the fenced region's backlog moves here. */
  readonly toQueueUrl: string;
  /** Most messages moved per call (the step's time limit bounds it too). */
  readonly maxMoves: number;
}

export interface QueueDepth {
  /** Waiting to be received. */
  readonly visible: number;
  /** Received, neither deleted nor returned yet. */
  readonly inFlight: number;
  /** Sent with a delay (parked payments) and not yet deliverable. */
  readonly delayed: number;
}

export interface QueueMessage {
  readonly body: string;
  readonly receiptHandle: string;
}

export interface DrainPorts {
  readonly receive: (region: string, url: string, max: number) => Promise<readonly QueueMessage[]>;
  /** Sends the bodies to this region's queue; answers the indexes of those sent. */
  readonly send: (url: string, bodies: readonly string[]) => Promise<readonly number[]>;
  readonly remove: (
    region: string,
    url: string,
    receiptHandles: readonly string[],
  ) => Promise<void>;
  readonly depth: (region: string, url: string) => Promise<QueueDepth>;
  /** How many executions of the state machine are RUNNING (counted up to a bound). */
  readonly running: (region: string, stateMachineArn: string) => Promise<number>;
}

export interface DrainReport {
  readonly moved: number;
  readonly visible: number;
  readonly inFlight: number;
  readonly delayed: number;
  readonly running: number;
  /** Nothing waiting or in flight on the fenced region's queues, and no workflow running there. */
  readonly drained: boolean;
}

/** SQS receives at most 10 messages per call, and sends at most 10 per batch. */
const SQS_BATCH = 10;

/**
 * Moves the fenced region's waiting messages to this region's payments queue (sent first, then
 * deleted there: a message is never only in flight between regions, at worst in both, and a
 * payment settles once however often it is delivered), then reports what is left there. Delayed
 * messages (parked payments) are not yet receivable: they stay RECEIVED in the payments table,
 * where the active region's sweeper finds them.
 */
export async function drain(request: DrainRequest, ports: DrainPorts): Promise<DrainReport> {
  let moved = 0;
  for (const url of request.queueUrls) {
    while (moved < request.maxMoves) {
      const messages = await ports.receive(
        request.fromRegion,
        url,
        Math.min(SQS_BATCH, request.maxMoves - moved),
      );
      if (messages.length === 0) {
        break;
      }
      const sent = await ports.send(
        request.toQueueUrl,
        messages.map((m) => m.body),
      );
      const handles = sent.map((i) => messages[i].receiptHandle);
      if (handles.length > 0) {
        await ports.remove(request.fromRegion, url, handles);
      }
      moved += handles.length;
      if (handles.length < messages.length) {
        break;
      }
    }
  }
  const depths = await Promise.all(
    request.queueUrls.map((url) => ports.depth(request.fromRegion, url)),
  );
  const running = await ports.running(request.fromRegion, request.stateMachineArn);
  const total = (key: keyof QueueDepth) => depths.reduce((sum, d) => sum + d[key], 0);
  const [visible, inFlight, delayed] = [total("visible"), total("inFlight"), total("delayed")];
  return {
    moved,
    visible,
    inFlight,
    delayed,
    running,
    drained: visible === 0 && inFlight === 0 && running === 0,
  };
}

// ---- route-traffic ---------------------------------------------------------------------------

export interface ClusterEndpoint {
  readonly endpoint: string;
  readonly region: string;
}

export interface RouteTrafficRequest {
  readonly action: "route-traffic";
  readonly clusterEndpoints: readonly ClusterEndpoint[];
  /** The routing control to turn on (the region taking over) and the one to turn off. */
  readonly on: string;
  readonly off: string;
}

export interface RouteTrafficPorts {
  readonly update: (
    endpoint: ClusterEndpoint,
    states: readonly { readonly arn: string; readonly state: "On" | "Off" }[],
  ) => Promise<void>;
}

/**
 * ARC's data plane is five regional endpoints, any of which takes the change: try them in turn
 * (AWS's guidance), and fail only when none answers. Both controls change in one call, which the
 * safety rule ("at least one on") judges as a whole.
 */
export async function routeTraffic(
  request: RouteTrafficRequest,
  ports: RouteTrafficPorts,
): Promise<{ readonly endpointRegion: string; readonly tried: number }> {
  const failures: string[] = [];
  for (const endpoint of request.clusterEndpoints) {
    try {
      await ports.update(endpoint, [
        { arn: request.on, state: "On" },
        { arn: request.off, state: "Off" },
      ]);
      return { endpointRegion: endpoint.region, tried: failures.length + 1 };
    } catch (error) {
      failures.push(`${endpoint.region}: ${error instanceof Error ? error.name : "Error"}`);
    }
  }
  throw namedError(
    "TrafficNotRouted",
    `no ARC cluster endpoint took the change (${failures.join(", ") || "no endpoints"})`,
  );
}

// ---- verify-health ---------------------------------------------------------------------------

export interface HealthRequest {
  readonly action: "verify-health";
  readonly url: string;
}

export interface HealthPorts {
  readonly get: (url: string) => Promise<{ readonly status: number; readonly body: string }>;
}

/** The API answers 200 and names itself the active writer; anything else fails the step. */
export async function verifyHealth(
  request: HealthRequest,
  ports: HealthPorts,
): Promise<{ readonly status: number; readonly role: string; readonly region: string }> {
  let answer: { status: number; body: string };
  try {
    answer = await ports.get(request.url);
  } catch (error) {
    const name = error instanceof Error ? error.name : "Error";
    throw namedError("HealthCheckFailed", `${request.url} did not answer: ${name}`);
  }
  let body: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(answer.body);
    body = typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    // Reported below: no role in the answer.
  }
  const role = typeof body.role === "string" ? body.role : "unknown";
  const region = typeof body.region === "string" ? body.region : "unknown";
  if (answer.status !== 200 || role !== "active") {
    throw namedError(
      "HealthCheckFailed",
      `${request.url} answered ${answer.status} with role ${role}, not 200 as the active writer`,
    );
  }
  return { status: answer.status, role, region };
}

// ---- record ----------------------------------------------------------------------------------

export interface RecordRequest {
  readonly action: "record";
  readonly runId: string;
  readonly executionArn: string;
  readonly mode: string;
  readonly reason: string;
  readonly fromRegion: string;
  readonly toRegion: string;
  readonly outcome: "SUCCEEDED" | "FAILED";
  readonly fence?: { readonly fenced: boolean } | null;
  /** Set-processing's answer, or `{ paused: false }` when the old region could not be paused. */
  readonly paused?: { readonly enabled?: boolean; readonly paused?: boolean } | null;
  /** The drain's last report, or `{ drained: false, reachable: false }`. */
  readonly drain?: Partial<DrainReport> & { readonly reachable?: boolean };
  readonly error?: { readonly Error?: string; readonly Cause?: string } | null;
}

/** One event of an execution's history, as GetExecutionHistory gives it. */
export interface HistoryEvent {
  readonly timestamp: Date;
  readonly type: string;
  readonly stateEnteredEventDetails?: { readonly name?: string };
  readonly stateExitedEventDetails?: { readonly name?: string };
}

export interface StepDuration {
  readonly state: string;
  readonly seconds: number;
  readonly visits: number;
}

/** The runbook's failure path (record, alert, end with the failure's name): not failover steps. */
export const FAILURE_PATH_STATES = ["RecordFailure", "NotifyFailure", "FailedHow?"] as const;
/** (A list, not a Set: a captured Set does not survive closure serialization.) */
const inFailurePath = (state: string) => (FAILURE_PATH_STATES as readonly string[]).includes(state);

/** Each state's measured time (summed over its visits, in order of first entry) until `now`. */
export function stepDurations(events: readonly HistoryEvent[], now: Date): StepDuration[] {
  const open = new Map<string, Date>();
  const totals = new Map<string, { ms: number; visits: number }>();
  for (const event of events) {
    const entered = event.stateEnteredEventDetails?.name;
    const exited = event.stateExitedEventDetails?.name;
    if (event.type.endsWith("StateEntered") && entered !== undefined) {
      open.set(entered, event.timestamp);
      const total = totals.get(entered) ?? { ms: 0, visits: 0 };
      totals.set(entered, { ms: total.ms, visits: total.visits + 1 });
    } else if (event.type.endsWith("StateExited") && exited !== undefined) {
      const start = open.get(exited);
      const total = totals.get(exited);
      if (start !== undefined && total !== undefined) {
        totals.set(exited, {
          ...total,
          ms: total.ms + (event.timestamp.getTime() - start.getTime()),
        });
        open.delete(exited);
      }
    }
  }
  // A state still open (the record step itself) runs until now.
  for (const [state, start] of open) {
    const total = totals.get(state);
    if (total !== undefined) {
      totals.set(state, { ...total, ms: total.ms + (now.getTime() - start.getTime()) });
    }
  }
  return [...totals].map(([state, { ms, visits }]) => ({
    state,
    seconds: Math.round(ms) / 1000,
    visits,
  }));
}

/** The last state the run entered before its failure path: where it stopped. */
export function failedStep(events: readonly HistoryEvent[]): string | null {
  let last: string | null = null;
  for (const event of events) {
    const name = event.stateEnteredEventDetails?.name;
    if (event.type.endsWith("StateEntered") && name !== undefined) {
      if (inFailurePath(name)) {
        return last;
      }
      last = name;
    }
  }
  return last;
}

export interface RunRecord {
  readonly runId: string;
  readonly executionArn: string;
  readonly status: "SUCCEEDED" | "FAILED";
  readonly mode: string;
  readonly reason: string;
  readonly fromRegion: string;
  readonly toRegion: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationSeconds: number;
  /** False when an unplanned run could not reach the old region: fence it when it returns. */
  readonly oldRegionFenced: boolean | null;
  /** False when the old region's processing could not be paused (it was unreachable). */
  readonly oldRegionPaused: boolean | null;
  /**
   * What the old region still held when the ledger switched: queued, in flight, delayed (parked)
   * and running workflows, or null when it could not be reached. Each of those payments is still
   * RECEIVED in the payments table: the active region's sweeper re-drives it.
   */
  readonly leftInOldRegion: Omit<DrainReport, "drained"> | null;
  readonly failedStep: string | null;
  readonly error: string | null;
  readonly steps: readonly StepDuration[];
}

export interface RecordPorts {
  readonly history: (executionArn: string) => Promise<readonly HistoryEvent[]>;
  readonly put: (record: RunRecord) => Promise<void>;
  readonly now: () => Date;
}

function leftBehind(report: RecordRequest["drain"]): RunRecord["leftInOldRegion"] {
  if (report === undefined || report.reachable === false) {
    return null;
  }
  return {
    moved: report.moved ?? 0,
    visible: report.visible ?? 0,
    inFlight: report.inFlight ?? 0,
    delayed: report.delayed ?? 0,
    running: report.running ?? 0,
  };
}

export async function recordRun(request: RecordRequest, ports: RecordPorts): Promise<RunRecord> {
  const events = await ports.history(request.executionArn);
  const now = ports.now();
  const startedAt = events[0]?.timestamp ?? now;
  const failed = request.outcome === "FAILED";
  const record: RunRecord = {
    runId: request.runId,
    executionArn: request.executionArn,
    status: request.outcome,
    mode: request.mode,
    reason: request.reason,
    fromRegion: request.fromRegion,
    toRegion: request.toRegion,
    startedAt: startedAt.toISOString(),
    finishedAt: now.toISOString(),
    durationSeconds: Math.round(now.getTime() - startedAt.getTime()) / 1000,
    oldRegionFenced:
      request.fence === undefined || request.fence === null ? null : request.fence.fenced,
    oldRegionPaused:
      request.paused === undefined || request.paused === null
        ? null
        : request.paused.paused !== false && request.paused.enabled === false,
    leftInOldRegion: leftBehind(request.drain),
    failedStep: failed ? failedStep(events) : null,
    error: failed
      ? `${request.error?.Error ?? "Error"}: ${request.error?.Cause ?? "no cause given"}`
      : null,
    steps: stepDurations(events, now).filter((s) => !inFailurePath(s.state)),
  };
  await ports.put(record);
  return record;
}
