/**
 * One game day (issue 14): a scenario (./scenario.ts) played against the two simulated regions of
 * its stack's plan (./world.ts), with payments flowing from simulated merchants, the scenario's
 * faults and operator actions at their simulated times, and the money invariants
 * (./invariants.ts) judged once the settle window has passed (or earlier, once nothing is left
 * to do: every acknowledged payment settled, nothing queued, nothing running).
 *
 * Simulated time (./clock.js) runs `busyFactor` times faster than wall time while anything is
 * under way, and `idleFactor` times while only timers are waiting (a Wait state, the sweeper's
 * next run). The merchants are API clients behind DNS: each resolves the API's failover name
 * through the simulated Route 53 and keeps the answer for the record's TTL, gives up on a request
 * after `CLIENT_TIMEOUT_SECONDS`, and — when the scenario says clients retry — tries again with
 * the same Idempotency-Key, backing off.
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import type { Evaluation } from "../engine/engine";
import { writeFailoverDetectionSeconds, writePathBudgetOf } from "../../model/recovery";
import type { Postgres } from "../harness/postgres";
import * as clock from "./clock";
import { type Acknowledgement, type GameDayVerdict, judge, type WriteWindow } from "./invariants";
import type { Scenario, ScenarioEvent } from "./scenario";
import { GAMEDAY_TOKEN_PREFIX, type Role, World } from "./world";

/** How long a merchant's HTTP client waits for an answer. */
const CLIENT_TIMEOUT_SECONDS = 30;
/** Merchants (each with its own DNS cache) sending the load. */
const MERCHANTS = 20;
/** "Unplanned write-path failover ≤ 5 min measured in game days", detection included. */
const UNPLANNED_WRITE_TARGET_SECONDS = 300;
/** How long Aurora takes to promote a member: "typically a minute" for a switchover or failover. */
const PROMOTION_SECONDS = 60;

export interface RunOptions {
  readonly scenario: Scenario;
  readonly evaluation: Evaluation;
  readonly postgres: Postgres;
  readonly busyFactor?: number;
  readonly idleFactor?: number;
  readonly log?: (line: string) => void;
}

export interface Measures {
  /** From the outage to the first critical alarm (unplanned failovers only). */
  readonly detectionSeconds: number | null;
  readonly detectionBudgetSeconds: number | null;
  /** From the outage or the run's start to the first request a merchant sent to the new region. */
  readonly trafficSeconds: number | null;
  readonly trafficBudgetSeconds: number | null;
  /** From the outage or the run's start to the first payment the new region accepted. */
  readonly writeSeconds: number | null;
  readonly writeBudgetSeconds: number | null;
}

export interface GameDayResult {
  readonly scenario: string;
  readonly stack: string;
  readonly verdict: GameDayVerdict;
  readonly measures: Measures;
  readonly requests: {
    readonly sent: number;
    readonly rejected: number;
    readonly unanswered: number;
    /** Intents whose client gave up without an acknowledgement (no retries left). */
    readonly abandoned: number;
  };
  readonly writerMoves: number;
  /** Every alarm's changes of state, in simulated seconds from the start. */
  readonly alarms: readonly { name: string; region: string; to: string; at: number }[];
  readonly simulatedSeconds: number;
  readonly wallSeconds: number;
}

const sleep = (seconds: number) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

export async function runScenario(options: RunOptions): Promise<GameDayResult> {
  const { scenario, evaluation } = options;
  const busyFactor = options.busyFactor ?? 10;
  const idleFactor = options.idleFactor ?? 60;
  const log = options.log ?? (() => undefined);
  const wallStart = clock.realNow();
  const simStart = Math.floor(wallStart / 60_000) * 60_000;
  clock.install({ wall0: wallStart, sim0: simStart, factor: busyFactor });
  /** A simulated instant (ms), in seconds from the game's start. */
  const simSeconds = (ms: number) => (ms - simStart) / 1000;
  const at = () => simSeconds(clock.now());

  const world = await World.start({
    evaluation,
    postgres: options.postgres,
    promotionSeconds: PROMOTION_SECONDS,
    merchants: Array.from({ length: MERCHANTS }, (_, i) => `merchant-${i}`),
    log,
  });
  world.log = (line) => log(`${at().toFixed(0)} s: ${line}`);
  world.stepFunctions.onEnd = (execution) => {
    if (execution.machine.name.includes("runbook") || execution.status !== "SUCCEEDED") {
      world.log(
        `${execution.name} ${execution.status}${execution.error === undefined ? "" : ` (${execution.error})`}`,
      );
    }
    if (execution.machine.name.includes("runbook")) {
      // Where a run's time went: each state's entry, in simulated seconds from the start.
      const entered = execution.history
        .filter((e) => e.stateEnteredEventDetails !== undefined)
        .map(
          (e) => `${e.stateEnteredEventDetails?.name} ${simSeconds(e.timestamp * 1000).toFixed(0)}`,
        );
      log(
        `  ${execution.name}, started at ${simSeconds(execution.startDate).toFixed(0)} s: ${entered.join(", ")}`,
      );
    }
  };
  let factor = busyFactor;
  const setFactor = (next: number) => {
    if (next !== factor) {
      factor = next;
      const segment = clock.segmentAt(next);
      clock.setSegment(segment);
      world.follow(segment);
    }
  };
  try {
    await world.warm();
    // Start on a fresh segment: warming took wall time that is not part of the game.
    clock.setSegment({ wall0: clock.realNow(), sim0: simStart, factor: 1 });
    world.follow(clock.currentSegment());
    const regionNames = world.regionNames;

    // What the merchants saw.
    const acknowledged: Acknowledgement[] = [];
    const accepts: { region: string; at: number }[] = [];
    const requests = { sent: 0, rejected: 0, unanswered: 0, abandoned: 0 };
    let loadActive = true;
    const clients: Promise<void>[] = [];
    /** Clients still waiting for an answer or retrying: the game is not over. */
    let pendingClients = 0;

    const pay = async (index: number) => {
      const merchant = `merchant-${index % MERCHANTS}`;
      const key = `order-${index}`;
      // The merchant is the API key's; the body does not name it.
      const body = JSON.stringify({
        customerId: `customer-${index}`,
        amountMinor: 1_000 + (index % 500),
        currency: "EUR",
        paymentMethod: {
          type: "card",
          token: `${GAMEDAY_TOKEN_PREFIX}${index.toString(16).padStart(10, "0")}`,
        },
      });
      for (let attempt = 0; ; attempt += 1) {
        const region = world.route53.resolve(merchant, clock.now());
        requests.sent += 1;
        const answer = await Promise.race([
          world.api(region, {
            httpMethod: "POST",
            resource: "/payments",
            path: "/payments",
            headers: {
              "content-type": "application/json",
              "idempotency-key": key,
              authorization: `Bearer ${world.merchantKey(merchant)}`,
            },
            body,
            isBase64Encoded: false,
          }),
          sleep(CLIENT_TIMEOUT_SECONDS).then(() => "hang" as const),
        ]);
        if (answer !== "hang") {
          if (answer.statusCode === 202 || answer.statusCode === 200) {
            const paymentId = String((JSON.parse(answer.body) as { paymentId?: string }).paymentId);
            acknowledged.push({ paymentId, intent: key, at: at() });
            if (answer.statusCode === 202) {
              accepts.push({ region, at: at() });
            }
            return;
          }
          if (answer.statusCode >= 400 && answer.statusCode < 500 && answer.statusCode !== 429) {
            requests.rejected += 1;
            return;
          }
        } else {
          requests.unanswered += 1;
        }
        if (!scenario.load.clientsRetry || attempt >= 12) {
          requests.abandoned += 1;
          return;
        }
        await sleep(Math.min(60, 2 ** attempt) * (0.5 + Math.random() / 2));
      }
    };

    // The scenario's events, at their simulated times.
    const runbooks: { role: Role; mode: string; at: number; arn: string }[] = [];
    const runbookArn = (role: Role) =>
      String(
        evaluation.resources.find(
          (r) =>
            r.type === "aws:sfn/stateMachine:StateMachine" && r.name === `${role}-failover-runbook`,
        )?.outputs.arn,
      );
    const startRunbook = (role: Role, mode: string, name: string) => {
      runbooks.push({ role, mode, at: at(), arn: runbookArn(role) });
      log(`${at().toFixed(0)} s: ${mode} runbook to ${regionNames[role]} (${name})`);
      return world.stepFunctions.start(
        runbookArn(role),
        name,
        JSON.stringify({
          mode,
          targetRegion: regionNames[role],
          reason: `game day ${scenario.name}`,
        }),
      );
    };
    const outages: { role: Role; at: number }[] = [];
    /** Operator actions still to come (a re-run waiting its turn): the game is not over. */
    let operatorActions = 0;
    const happen = async (event: ScenarioEvent) => {
      switch (event.kind) {
        case "region-down":
          outages.push({ role: event.region, at: at() });
          world.setRegionUp(event.region, false);
          break;
        case "region-up":
          world.setRegionUp(event.region, true);
          break;
        case "runbook":
          startRunbook(event.target, event.mode, `gameday-${event.mode}-${event.at}`);
          break;
        case "runbook-step-faults": {
          // Each run of the runbook fails at the next listed state; the operator re-runs the
          // same request a while after the run ends, and the run after the last fault is clean.
          operatorActions += 1;
          const chain = async () => {
            for (let k = 0; k <= event.states.length; k += 1) {
              const state = event.states[k] as string | undefined;
              if (state !== undefined) {
                world.faults.failingStates.add(state);
              }
              const name = `gameday-${event.mode}-${event.at}-run-${k + 1}`;
              const execution = startRunbook(event.target, event.mode, name);
              await execution.done;
              if (state !== undefined) {
                world.faults.failingStates.delete(state);
              }
              const reached = execution.history.some(
                (e) => e.stateEnteredEventDetails?.name === state,
              );
              if (state !== undefined) {
                log(
                  `${at().toFixed(0)} s: ${name}'s fault at ${state} ${reached ? `was reached; the run ${execution.status === "SUCCEEDED" ? "tolerated it" : "stopped"}` : "was never reached"}`,
                );
              }
              if (k < event.states.length) {
                await sleep(event.rerunAfterSeconds);
              }
            }
          };
          void chain()
            .catch((error: Error) => log(`the operator's re-runs stopped: ${error.message}`))
            .finally(() => (operatorActions -= 1));
          break;
        }
        case "task-fault":
          world.faults.failingStates.add(event.state);
          setTimeout(() => world.faults.failingStates.delete(event.state), event.seconds * 1000);
          break;
        case "replication-lag": {
          const ms = event.seconds === null ? Number.POSITIVE_INFINITY : event.seconds * 1000;
          if (event.store === "ledger") {
            world.aurora.lagMs = ms;
          } else {
            for (const region of Object.values(regionNames)) {
              world.table.lagMs[region] = ms;
            }
          }
          break;
        }
        case "no-writer":
          world.aurora.stall(event.seconds * 1000);
          break;
        case "processor-crash": {
          const processor = world.fn(event.region, "compute-payments-processor");
          for (let i = 0; i < 300 && processor.inFlight === 0; i += 1) {
            await sleep(0.1);
          }
          processor.crash();
          log(`${at().toFixed(0)} s: the ${event.region} processor crashed mid-batch`);
          break;
        }
        case "queue-send-failure":
          world.faults.failingSends[event.region] += event.count;
          break;
        case "flapping-peer": {
          const role = event.region;
          const flap = async () => {
            while (at() < event.untilSeconds) {
              world.faults.healthFailing[role] = !world.faults.healthFailing[role];
              await sleep(event.periodSeconds / 2);
            }
            world.faults.healthFailing[role] = false;
          };
          void flap();
          break;
        }
      }
    };
    // A fault at a state the runbook does not have would prove nothing: refused before the game.
    for (const event of scenario.events) {
      if (event.kind === "runbook-step-faults") {
        const tasks = world.stepFunctions.taskStates(runbookArn(event.target));
        const unknown = event.states.filter((state) => !tasks.has(state));
        if (unknown.length > 0) {
          throw new Error(
            `runbook-step-faults: ${unknown.join(", ")} is not a Task state of the runbook (its Tasks: ${[...tasks].join(", ")})`,
          );
        }
      }
    }
    for (const event of scenario.events) {
      setTimeout(() => void happen(event), event.at * 1000);
    }

    // Busy or idle: the clock runs slower while anything is under way, and slower still while
    // this process is behind (its event loop delayed): a simulated second must stay long enough
    // for the handlers' calls to be answered within their timeouts, as on AWS.
    // The start is the busiest moment (every schedule, health check and the load begin at once):
    // the clock starts at real time and speeds up as the simulator shows it keeps up.
    let ceiling = 1;
    let slowest = busyFactor;
    world.onBusy = () => setFactor(Math.min(factor, ceiling));
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    let governing = true;
    const govern = () => {
      if (!governing) {
        return;
      }
      // The histogram's samples include its 10 ms resolution: what exceeds it is the delay.
      const lagMs = delay.mean / 1e6 - 10;
      delay.reset();
      // The simulator's own replication falling behind slows the clock too: the lag the
      // scenario sets is the lag the handlers must see, not the simulator's.
      if (lagMs > 20 || world.table.overdueMs > 1_000) {
        ceiling = Math.max(1, ceiling * 0.7);
        slowest = Math.min(slowest, ceiling);
      } else if (lagMs < 5) {
        ceiling = Math.min(busyFactor, ceiling * 1.25);
      }
      setFactor(loadActive || world.busy() ? ceiling : Math.max(ceiling, idleFactor));
      clock.realSetTimeout(govern, 250);
    };
    govern();

    world.run();
    // The load: paymentsPerSecond new intents every second, each its own client routine.
    const total = Math.round(scenario.load.paymentsPerSecond * scenario.load.seconds);
    for (let i = 0; i < total; i += 1) {
      pendingClients += 1;
      clients.push(pay(i).finally(() => (pendingClients -= 1)));
      await sleep(1 / scenario.load.paymentsPerSecond);
    }
    loadActive = false;
    log(`${at().toFixed(0)} s: load done, ${total} intents`);

    // The settle window: until everything is settled and quiet, or the window ends.
    const settleEnd = at() + scenario.settleSeconds;
    while (at() < settleEnd) {
      await sleep(10);
      if (operatorActions === 0 && pendingClients === 0 && (await quiet(world, acknowledged))) {
        break;
      }
    }
    governing = false;
    delay.disable();
    await Promise.race([Promise.all(clients), sleep(CLIENT_TIMEOUT_SECONDS)]);
    const simulatedSeconds = at();
    log(
      `${simulatedSeconds.toFixed(0)} s: settled; judging (the clock ran at ${slowest.toFixed(1)}× at its slowest)`,
    );
    world.stopActivity();
    // What is still in flight between the regions arrives (both regions answer at the end).
    await world.table.deliver(Number.POSITIVE_INFINITY);
    const outcome = await world.outcome();

    // Measures against the plan's budgets.
    const recovery = evaluation.outputs.recovery as {
      traffic?: { worstCaseSeconds: number };
    };
    const writePath = writePathBudgetOf(
      evaluation.resources.map((r) => ({ type: r.type, props: r.rawInputs })) as never,
    );
    const peerAlarm = world.cloudwatch.alarms.find((a) => a.name.includes("peer-unreachable"));
    const detectionBudget =
      peerAlarm?.kind === "metric"
        ? writeFailoverDetectionSeconds(peerAlarm.evaluationPeriods)
        : null;
    const firstAfter = (list: { region: string; at: number }[], region: string, from: number) =>
      list.find((x) => x.region === region && x.at >= from)?.at ?? null;
    let measures: Measures = {
      detectionSeconds: null,
      detectionBudgetSeconds: null,
      trafficSeconds: null,
      trafficBudgetSeconds: null,
      writeSeconds: null,
      writeBudgetSeconds: null,
    };
    // The move measured: away from the first outage; or else the runbook's move to where the
    // writer ends, timed from the last run before writes were first accepted there (earlier runs
    // a fault broke are the operator's time, not the runbook's).
    const endRole = outcome.writer.region === regionNames.primary ? "primary" : "secondary";
    const firstWrite = (from: number) => firstAfter(accepts, regionNames[endRole], from);
    const runsToEnd = runbooks.filter((r) => r.role === endRole);
    const lastRunBefore = (write: number | null) =>
      runsToEnd.filter((r) => write === null || r.at <= write).at(-1) ?? runsToEnd[0];
    const run = runsToEnd.length > 0 ? lastRunBefore(firstWrite(runsToEnd[0].at)) : undefined;
    const move =
      outages.length > 0
        ? {
            from: outages[0].at,
            to: outages[0].role === "primary" ? "secondary" : "primary",
            unplanned: true,
          }
        : run !== undefined
          ? { from: run.at, to: run.role, unplanned: run.mode === "unplanned" }
          : null;
    if (move !== null && outcome.writer.region === regionNames[move.to as Role]) {
      const target = regionNames[move.to as Role];
      // Traffic follows the health checks. The old region's fails once it stops taking writes:
      // at the outage, or when a planned run fences it (its flag moves away). A target whose
      // check asks `role=active` (the primary's) passes only once it takes writes itself (its
      // flag names it), which is the write path's time: traffic is timed from the later of the two.
      const oldRegion = regionNames[move.to === "primary" ? "secondary" : "primary"];
      const fenced = world.flagChanges.find(
        (c) => c.region === oldRegion && c.value !== oldRegion && simSeconds(c.at) >= move.from,
      );
      const targetCheck = evaluation.resources.find(
        (r) =>
          r.type === "aws:route53/healthCheck:HealthCheck" &&
          r.name === `traffic-${move.to}-endpoint`,
      );
      const activated = String(targetCheck?.inputs.resourcePath ?? "").includes("role=active")
        ? world.flagChanges.find(
            (c) => c.region === target && c.value === target && simSeconds(c.at) >= move.from,
          )
        : undefined;
      const trafficFrom = Math.max(
        outages.length > 0 || fenced === undefined ? move.from : simSeconds(fenced.at),
        activated === undefined ? Number.NEGATIVE_INFINITY : simSeconds(activated.at),
      );
      // Traffic has moved when Route 53 answers with the target and the last client's cached
      // answer for the old region has run out (the record's TTL, which the clients honour).
      const answered = world.route53.changes.find(
        (c) => c.region === target && simSeconds(c.atMs) >= trafficFrom,
      );
      const traffic =
        answered === undefined ? null : simSeconds(answered.atMs) + world.route53.ttlSeconds;
      const write = firstAfter(accepts, target, move.from);
      // Detection is the surviving region's: a region that is down raises nothing.
      const alarm = world.cloudwatch.changes.find(
        (c) =>
          c.to === "ALARM" &&
          c.region === target &&
          (c.name.includes("peer-down") || c.name.includes("region-impaired")) &&
          simSeconds(c.at) >= move.from,
      );
      const runbookBudget =
        writePath?.[move.unplanned ? "unplanned" : "planned"].worstCaseSeconds ?? null;
      measures = {
        detectionSeconds:
          outages.length > 0 && alarm !== undefined ? simSeconds(alarm.at) - move.from : null,
        detectionBudgetSeconds: outages.length > 0 ? detectionBudget : null,
        trafficSeconds: traffic === null ? null : traffic - trafficFrom,
        trafficBudgetSeconds: recovery.traffic?.worstCaseSeconds ?? null,
        writeSeconds: write === null ? null : write - move.from,
        // The plan's worst case, and for an unplanned move also the measured target the
        // architecture sets (shared/design/ARCHITECTURE.md, Budgets): whichever is tighter.
        writeBudgetSeconds:
          runbookBudget === null
            ? null
            : Math.min(
                runbookBudget + (outages.length > 0 ? (detectionBudget ?? 0) : 0),
                move.unplanned ? UNPLANNED_WRITE_TARGET_SECONDS : Number.POSITIVE_INFINITY,
              ),
      };
    }
    const windows: WriteWindow[] = [];
    for (const accept of accepts) {
      const last = windows.at(-1);
      if (last !== undefined && last.region === accept.region) {
        windows[windows.length - 1] = { ...last, to: accept.at + 0.001 };
      } else {
        windows.push({ region: accept.region, from: accept.at, to: accept.at + 0.001 });
      }
    }
    const verdict = judge({
      ...outcome,
      acknowledged,
      writeWindows: windows,
      writer: {
        region: outcome.writer.region,
        moves: outcome.writer.moves,
        ...(scenario.expect?.writerAtEnd === undefined
          ? {}
          : { expectedRegion: regionNames[scenario.expect.writerAtEnd] }),
        ...(scenario.expect?.maxWriterMoves === undefined
          ? {}
          : { maxMoves: scenario.expect.maxWriterMoves }),
      },
      ...(measures.writeSeconds !== null || measures.trafficSeconds !== null
        ? {
            rto: {
              trafficSeconds: measures.trafficSeconds ?? Number.POSITIVE_INFINITY,
              trafficBudgetSeconds: measures.trafficBudgetSeconds ?? Number.POSITIVE_INFINITY,
              writeSeconds: measures.writeSeconds ?? Number.POSITIVE_INFINITY,
              writeBudgetSeconds: measures.writeBudgetSeconds ?? Number.POSITIVE_INFINITY,
            },
          }
        : {}),
    });
    return {
      scenario: scenario.name,
      stack: scenario.stack,
      verdict,
      measures,
      requests,
      writerMoves: outcome.writer.moves,
      alarms: world.cloudwatch.changes.map((c) => ({
        name: c.name,
        region: c.region,
        to: c.to,
        at: Math.round(c.at - simStart) / 1000,
      })),
      simulatedSeconds,
      wallSeconds: (clock.realNow() - wallStart) / 1000,
    };
  } finally {
    await world.stop();
  }
}

/**
 * Every payment settled in the writer's table (acknowledged or not: one whose answer was lost is
 * the sweeper's to settle), nothing queued, nothing running.
 */
async function quiet(world: World, acknowledged: readonly Acknowledgement[]): Promise<boolean> {
  if (
    world.busy() ||
    world.stepFunctions.running().length > 0 ||
    world.queued() > 0 ||
    world.table.backlog > 0
  ) {
    return false;
  }
  const statuses = await world.statuses();
  const settled = (status: string | undefined) => status === "COMPLETED" || status === "FAILED";
  return (
    acknowledged.every((a) => settled(statuses.get(a.paymentId))) &&
    [...statuses.values()].every(settled)
  );
}
