/**
 * No Choice state of a deployed state machine reads a path that can be absent.
 *
 * A Choice rule whose Variable does not exist fails the execution with States.Runtime, which a
 * Retry or Catch on States.ALL does not catch, and Choice states take no Catch at all (ASL spec,
 * "Errors" and "Choice State": https://states-language.net/spec.html). So every path a Choice
 * compares must be set on every way into that Choice, or be proven present by an earlier rule of
 * the same Choice (rules are tried in order; a rule that routes a path's absence elsewhere proves
 * it present for the rules after it). This walks each definition the plan deploys, forward, with
 * the set of paths guaranteed on entry to each state (intersected over incoming edges), and names
 * every comparison of a path that is not guaranteed.
 */
import { strict as assert } from "node:assert";
import { stackPlan } from "../fixtures/plan";
import {
  drain,
  type GlobalClusterView,
  type LagReport,
  readGlobalCluster,
  replicationLag,
} from "../../handlers/failover-steps";
import type { Evaluation } from "../../tools/engine/engine";

type Json = Record<string, unknown>;
interface Definition {
  readonly StartAt: string;
  readonly States: Record<string, Json>;
}

/**
 * The fields each steps action always answers: the steps Lambda returns its core's value, whose
 * every field is present (null when unknown). Checked against the real cores below.
 */
const STEP_RESULT_FIELDS: Readonly<Record<string, readonly string[]>> = {
  "replication-lag": ["auroraLagMs", "dynamodbLagMs", "drained"],
  "read-global-cluster": ["writer", "status", "switching"],
  drain: ["moved", "visible", "inFlight", "delayed", "running", "drained"],
};

/** The paths a value guarantees when written at `at`: itself and, for objects, its keys. */
function written(at: string, value: unknown): string[] {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return [at];
  }
  return [
    ...(at === "$" ? [] : [at]),
    ...Object.entries(value).flatMap(([key, inner]) =>
      written(`${at}.${key.replace(/\.\$$/, "")}`, key.endsWith(".$") ? undefined : inner),
    ),
  ];
}

/** What a Task's or Pass's output guarantees, given what its input guaranteed. */
function afterResult(state: Json, input: ReadonlySet<string>): Set<string> {
  const resultPath = state.ResultPath === undefined ? "$" : (state.ResultPath as string | null);
  if (resultPath === null) {
    return new Set(input);
  }
  let result: string[] = [];
  if (state.Type === "Pass") {
    const shape = state.Parameters ?? state.Result;
    result = shape === undefined ? [] : written(resultPath, shape);
  } else if (state.ResultSelector !== undefined) {
    result = written(resultPath, state.ResultSelector);
    const payload = (state.Parameters as Json | undefined)?.Payload as Json | undefined;
    const fields = STEP_RESULT_FIELDS[String(payload?.action)] ?? [];
    if ((state.ResultSelector as Json)["result.$"] === "$.Payload") {
      result.push(...fields.map((f) => `${resultPath}.result.${f}`));
    }
  }
  // A result written over the whole input leaves only what the result itself guarantees.
  const kept = resultPath === "$" ? [] : [...input].filter((p) => !p.startsWith(`${resultPath}.`));
  return new Set([...kept, ...(resultPath === "$" ? [] : [resultPath]), ...result]);
}

/** The Variables a condition compares (IsPresent tests read nothing), and those it proves. */
function reads(condition: Json): string[] {
  if (Array.isArray(condition.And)) {
    return (condition.And as Json[]).flatMap(reads);
  }
  if (Array.isArray(condition.Or)) {
    return (condition.Or as Json[]).flatMap(reads);
  }
  if (condition.Not !== undefined) {
    return reads(condition.Not as Json);
  }
  return "IsPresent" in condition ? [] : [String(condition.Variable)];
}

/** A path this rule proves present when it does NOT match: `Not IsPresent` / `IsPresent: false`. */
function provenByMiss(rule: Json): string | undefined {
  const not = rule.Not as Json | undefined;
  if (not?.IsPresent === true) {
    return String(not.Variable);
  }
  return rule.IsPresent === false ? String(rule.Variable) : undefined;
}

function choiceHazards(definition: Definition): string[] {
  const entry = new Map<string, Set<string>>();
  const hazards = new Set<string>();
  const work: [string, Set<string>][] = [[definition.StartAt, new Set()]];
  const flow = (next: unknown, guaranteed: Set<string>) => {
    if (typeof next === "string") {
      work.push([next, guaranteed]);
    }
  };
  while (work.length > 0) {
    const [name, incoming] = work.pop() as [string, Set<string>];
    const before = entry.get(name);
    const merged =
      before === undefined ? incoming : new Set([...before].filter((p) => incoming.has(p)));
    if (before !== undefined && merged.size === before.size) {
      continue;
    }
    entry.set(name, merged);
    const state = definition.States[name];
    switch (state.Type) {
      case "Choice": {
        const known = new Set(merged);
        for (const rule of state.Choices as Json[]) {
          for (const path of reads(rule)) {
            if (!path.startsWith("$$.") && !known.has(path)) {
              hazards.add(`${name} reads ${path}, which is not set on every way into it`);
            }
          }
          flow(rule.Next, new Set([...known, ...reads(rule)]));
          const proven = provenByMiss(rule);
          if (proven !== undefined) {
            known.add(proven);
          }
        }
        flow(state.Default, known);
        break;
      }
      case "Task":
      case "Pass":
        flow(state.Next, afterResult(state, merged));
        for (const c of (state.Catch as Json[] | undefined) ?? []) {
          const at = String(c.ResultPath ?? "$");
          // A caught error always has Error; Cause only usually (ASL spec, "Error names").
          flow(c.Next, at === "$" ? new Set(["$.Error"]) : new Set([...merged, at, `${at}.Error`]));
        }
        break;
      case "Wait":
        flow(state.Next, merged);
        break;
      case "Succeed":
      case "Fail":
        break;
      default:
        throw new Error(`${name}: ${String(state.Type)} states are not walked yet`);
    }
  }
  return [...hazards].sort();
}

describe("state machine definitions: every Choice reads only paths that are there", () => {
  const evaluations = new Map<string, Evaluation>();
  before(async () => {
    for (const stack of ["dev", "prod"]) {
      evaluations.set(stack, await stackPlan(stack));
    }
  });

  for (const stack of ["dev", "prod"]) {
    it(`${stack}: the payment workflow and the failover runbook of both regions`, () => {
      const machines = (evaluations.get(stack) as Evaluation).resources.filter(
        (r) => r.type === "aws:sfn/stateMachine:StateMachine",
      );
      assert.equal(machines.length, 4);
      for (const machine of machines) {
        const definition = JSON.parse(String(machine.rawInputs.definition)) as Definition;
        assert.deepEqual(choiceHazards(definition), [], machine.name);
      }
    });
  }

  it("catches a Choice that reads a field no state guarantees, or reads a list's first item", () => {
    const definition: Definition = {
      StartAt: "Read",
      States: {
        Read: {
          Type: "Pass",
          Parameters: { "writers.$": "$.members" },
          ResultPath: "$.aurora",
          Next: "Writer?",
        },
        "Writer?": {
          Type: "Choice",
          Choices: [
            { Variable: "$.aurora.writers[0]", StringEquals: "a", Next: "Done" },
            { Variable: "$.mode", StringEquals: "planned", Next: "Done" },
          ],
          Default: "Done",
        },
        Done: { Type: "Succeed" },
      },
    };
    assert.deepEqual(choiceHazards(definition), [
      "Writer? reads $.aurora.writers[0], which is not set on every way into it",
      "Writer? reads $.mode, which is not set on every way into it",
    ]);
  });

  it("accepts a path proven present by an earlier rule that routes its absence away", () => {
    const definition: Definition = {
      StartAt: "Mode?",
      States: {
        "Mode?": {
          Type: "Choice",
          Choices: [
            { Not: { Variable: "$.mode", IsPresent: true }, Next: "Bad" },
            { Variable: "$.mode", StringEquals: "planned", Next: "Done" },
          ],
          Default: "Done",
        },
        Bad: { Type: "Fail" },
        Done: { Type: "Succeed" },
      },
    };
    assert.deepEqual(choiceHazards(definition), []);
  });

  it("knows the fields the steps' cores really answer", async () => {
    const lag: LagReport = await replicationLag(
      {
        action: "replication-lag",
        clusterIdentifier: "c",
        tableName: "t",
        sourceRegion: "us-east-1",
        receivingRegion: "us-west-2",
        thresholdMs: 1000,
      },
      { latestMaximum: async () => null },
    );
    const view: GlobalClusterView = await readGlobalCluster(
      { action: "read-global-cluster", globalClusterIdentifier: "g" },
      { describe: async () => ({}) },
    );
    assert.deepEqual(Object.keys(lag).sort(), [...STEP_RESULT_FIELDS["replication-lag"]].sort());
    assert.deepEqual(
      Object.keys(view).sort(),
      [...STEP_RESULT_FIELDS["read-global-cluster"]].sort(),
    );
    const drained = await drain(
      {
        action: "drain",
        fromRegion: "us-east-1",
        queueUrls: ["q"],
        stateMachineArn: "s",
        toQueueUrl: "t",
        maxMoves: 10,
      },
      {
        receive: async () => [],
        send: async () => [],
        remove: async () => undefined,
        depth: async () => ({ visible: 0, inFlight: 0, delayed: 0 }),
        running: async () => 0,
      },
    );
    assert.deepEqual(Object.keys(drained).sort(), [...STEP_RESULT_FIELDS.drain].sort());
  });
});
