/**
 * A game day scenario (issue 14): a JSON file under tests/gameday/scenarios/ that says which stack's
 * plan runs, what load the simulated clients put on it, and which faults and operator actions
 * happen when, in simulated seconds. New scenarios need no code: this schema is the whole
 * contract, and `loadScenario` names every problem of a file that does not follow it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { z } from "zod";

const ROLE = z.enum(["primary", "secondary"]);
const SECONDS = z.number().int().min(0).max(86_400);

/** What happens, when (simulated seconds from the start). */
export const EVENT = z.discriminatedUnion("kind", [
  z
    .object({
      kind: z.literal("region-down"),
      at: SECONDS,
      region: ROLE,
    })
    .describe("every endpoint of the region stops answering (time-outs, not clean errors)"),
  z
    .object({ kind: z.literal("region-up"), at: SECONDS, region: ROLE })
    .describe("it answers again"),
  z
    .object({
      kind: z.literal("runbook"),
      at: SECONDS,
      mode: z.enum(["planned", "unplanned"]),
      target: ROLE,
    })
    .describe("an operator starts the failover runbook of the target region"),
  z
    .object({
      kind: z.literal("runbook-step-faults"),
      at: SECONDS,
      mode: z.enum(["planned", "unplanned"]),
      target: ROLE,
      /** Runbook states, one per run: run k fails at states[k]; the run after the last is clean. */
      states: z.array(z.string().min(1)).min(1),
      rerunAfterSeconds: SECONDS,
    })
    .describe(
      "an operator starts the runbook; each run fails every attempt of the next listed state, and the operator re-runs it a while after it ends, until a run with no fault",
    ),
  z
    .object({
      kind: z.literal("task-fault"),
      at: SECONDS,
      state: z.string().min(1),
      seconds: SECONDS,
    })
    .describe("the named Task state of any state machine fails every attempt for a while"),
  z
    .object({
      kind: z.literal("replication-lag"),
      at: SECONDS,
      store: z.enum(["ledger", "payments"]),
      /** Lag in seconds, or null: it never drains. */
      seconds: z.number().min(0).max(3_600).nullable(),
    })
    .describe("replication into the other region falls behind"),
  z
    .object({ kind: z.literal("no-writer"), at: SECONDS, seconds: SECONDS })
    .describe(
      "a switchover of the ledger to the other region, started elsewhere, is under way for a while: the global cluster reports no writer",
    ),
  z
    .object({ kind: z.literal("processor-crash"), at: SECONDS, region: ROLE })
    .describe("the processor dies mid-batch: its messages come back after the visibility timeout"),
  z
    .object({
      kind: z.literal("queue-send-failure"),
      at: SECONDS,
      region: ROLE,
      count: z.number().int().min(1).max(10_000),
    })
    .describe("the API's next sends to the queue fail after the conditional put"),
  z
    .object({
      kind: z.literal("flapping-peer"),
      at: SECONDS,
      region: ROLE,
      periodSeconds: z.number().int().min(10).max(3_600),
      untilSeconds: SECONDS,
    })
    .describe("the region's health alternates between failing and passing"),
]);

export const SCENARIO = z
  .object({
    name: z.string().regex(/^[a-z0-9-]{3,64}$/, "lowercase letters, digits and hyphens, 3-64"),
    description: z.string().min(1),
    /** Whose plan runs: its definitions, code archives and configuration. */
    stack: z.enum(["dev", "prod"]),
    load: z.object({
      paymentsPerSecond: z.number().positive().max(1_000),
      seconds: SECONDS,
      /** Whether clients retry an unanswered or 5xx request with the same Idempotency-Key. */
      clientsRetry: z.boolean(),
    }),
    events: z.array(EVENT),
    /** What the scenario expects of the writer: where it ends, how often it may move. */
    expect: z
      .object({
        writerAtEnd: ROLE.optional(),
        maxWriterMoves: z.number().int().min(0).max(100).optional(),
      })
      .strict()
      .optional(),
    /** How long after the load ends the invariants wait for the system to settle. */
    settleSeconds: SECONDS,
    /** Whether the scenario is short enough for `npm test`. */
    inTestSuite: z.boolean(),
  })
  .strict();

export type Scenario = z.infer<typeof SCENARIO>;
export type ScenarioEvent = z.infer<typeof EVENT>;

/** The scenario in `file`, or an error naming the file and each problem with its path. */
export function loadScenario(file: string): Scenario {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (error) {
    throw new Error(`${file}: not a JSON file (${(error as Error).message})`, { cause: error });
  }
  const parsed = SCENARIO.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join(".") || "(the file)"}: ${issue.message}`,
    );
    throw new Error(`${file}: not a game day scenario\n  ${problems.join("\n  ")}`);
  }
  const scenario = parsed.data;
  const outOfTime = scenario.events.filter((e) => e.at > scenario.load.seconds);
  if (outOfTime.length > 0) {
    throw new Error(
      `${file}: events after the load ends (at ${outOfTime.map((e) => e.at).join(", ")} s; the load runs ${scenario.load.seconds} s)`,
    );
  }
  return scenario;
}

/** Every scenario file of a folder, by name. */
export function scenarioFiles(folder: string): string[] {
  return fs
    .readdirSync(folder)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => path.join(folder, f));
}
