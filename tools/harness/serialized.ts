/**
 * Runs a handler as Lambda would: the CallbackFunction's serialized `__index.js` from the offline
 * plan, in a fresh `node` process, with the runtime's packages (the AWS SDK) resolvable and the
 * environment given. Bounded in time; returns what the handler returned or threw.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PROJECT_ROOT, type Evaluation } from "../engine/engine";

export function serializedCode(evaluation: Evaluation, functionName: string): string {
  const fn = evaluation.resources.find(
    (r) => r.type === "aws:lambda/function:Function" && r.name === functionName,
  );
  const assets = (fn?.rawInputs.code as { assets?: Record<string, { text?: string }> } | undefined)
    ?.assets;
  const text = assets?.["__index.js"]?.text;
  if (text === undefined) {
    throw new Error(`no serialized code for function ${functionName}`);
  }
  return text;
}

export interface HandlerRun {
  readonly ok: boolean;
  readonly result?: unknown;
  readonly error?: string;
  /** The thrown error's name, unless plain `Error`: what Lambda reports as `errorType`. */
  readonly errorType?: string;
  /** Milliseconds from the process's start to this answer (the first one is the cold start). */
  readonly atMs?: number;
}

const RESULT_MARK = "@@handler-runs@@";

/**
 * Loads the handler, then invokes it with every event at once, as concurrent requests would, or
 * one after another (`sequential`) up to the first failure, as a caller that waits for each answer
 * would (Secrets Manager runs a rotation's steps so).
 */
const RUNNER = `
const { performance } = require("node:perf_hooks");
const fs = require("node:fs");
const handler = require(process.argv[2]).handler;
const events = JSON.parse(fs.readFileSync(process.argv[3], "utf8"));
// The context's time left, as Lambda's Node.js runtime gives it, counted down from the run's timeout
// (https://docs.aws.amazon.com/lambda/latest/dg/nodejs-context.html).
const deadline = Date.now() + Number(process.argv[5]);
const context = { awsRequestId: "local", getRemainingTimeInMillis: () => deadline - Date.now() };
const invoke = (event) =>
  Promise.resolve()
    .then(() => handler(event, context))
    .then(
      (result) => ({ ok: true, result, atMs: performance.now() }),
      (error) => ({
        ok: false,
        error: String(error && error.message),
        // Lambda reports the error's name as its type (Step Functions matches on it).
        ...(error && error.name && error.name !== "Error" ? { errorType: error.name } : {}),
        atMs: performance.now(),
      }),
    );
const runs =
  process.argv[4] === "sequential"
    ? events.reduce(
        (done, event) =>
          done.then((list) =>
            list.some((run) => !run.ok) ? list : invoke(event).then((run) => [...list, run]),
          ),
        Promise.resolve([]),
      )
    : Promise.all(events.map(invoke));
runs.then((list) => process.stdout.write("\\n${RESULT_MARK}" + JSON.stringify(list)));
`;

export async function runSerialized(
  code: string,
  event: unknown,
  env: Record<string, string>,
  timeoutMs = 30_000,
): Promise<HandlerRun> {
  const [run] = await runSerializedEvents(code, [event], env, timeoutMs);
  const { atMs, ...rest } = run;
  void atMs;
  return rest;
}

/** Runs `events` concurrently through one fresh process of the serialized handler. */
export async function runSerializedEvents(
  code: string,
  events: readonly unknown[],
  env: Record<string, string>,
  timeoutMs = 30_000,
): Promise<HandlerRun[]> {
  return (await runProcess(code, events, env, timeoutMs)).runs;
}

/** Runs `events` one after another, up to the first failure, through one fresh process. */
export async function runSerializedSequence(
  code: string,
  events: readonly unknown[],
  env: Record<string, string>,
  timeoutMs = 30_000,
): Promise<{ runs: HandlerRun[]; stdout: string[] }> {
  return runProcess(code, events, env, timeoutMs, true);
}

/** One event through a fresh process, with what the handler wrote to stdout (its log lines). */
export async function runSerializedWithLogs(
  code: string,
  event: unknown,
  env: Record<string, string>,
  timeoutMs = 30_000,
): Promise<{ run: HandlerRun; stdout: string[] }> {
  const { runs, stdout } = await runProcess(code, [event], env, timeoutMs);
  const { atMs, ...run } = runs[0];
  void atMs;
  return { run, stdout };
}

async function runProcess(
  code: string,
  events: readonly unknown[],
  env: Record<string, string>,
  timeoutMs: number,
  sequential = false,
): Promise<{ runs: HandlerRun[]; stdout: string[] }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "handler-"));
  try {
    fs.writeFileSync(path.join(dir, "__index.js"), code);
    fs.writeFileSync(path.join(dir, "runner.js"), RUNNER);
    fs.writeFileSync(path.join(dir, "events.json"), JSON.stringify(events));
    const child = spawn(
      process.execPath,
      [
        path.join(dir, "runner.js"),
        path.join(dir, "__index.js"),
        path.join(dir, "events.json"),
        sequential ? "sequential" : "concurrent",
        String(timeoutMs),
      ],
      {
        cwd: dir,
        env: {
          PATH: process.env.PATH ?? "",
          // The Lambda Node.js runtime provides the AWS SDK v3; here the project's copy stands in.
          NODE_PATH: path.join(PROJECT_ROOT, "node_modules"),
          AWS_REGION: "us-east-1",
          AWS_ACCESS_KEY_ID: "local",
          AWS_SECRET_ACCESS_KEY: "local",
          ...env,
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error(`the handler did not finish within ${timeoutMs} ms: ${stderr}`));
      }, timeoutMs);
      child.once("exit", (code) => {
        clearTimeout(timer);
        resolve(code);
      });
    });
    if (exited !== 0 || !stdout.includes(RESULT_MARK)) {
      throw new Error(`the handler process exited with ${String(exited)}: ${stderr}`);
    }
    // The handler may log to stdout, as on Lambda; the result follows the last mark.
    const mark = stdout.lastIndexOf(RESULT_MARK);
    return {
      runs: JSON.parse(stdout.slice(mark + RESULT_MARK.length)) as HandlerRun[],
      stdout: stdout
        .slice(0, mark)
        .split("\n")
        .filter((line) => line !== ""),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
