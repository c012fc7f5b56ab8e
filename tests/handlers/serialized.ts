/**
 * Runs a handler as Lambda would: the CallbackFunction's serialized `__index.js` from the offline
 * plan, in a fresh `node` process, with the runtime's packages (the AWS SDK) resolvable and the
 * environment given. Bounded in time; returns what the handler returned or threw.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PROJECT_ROOT, type Evaluation } from "../../tools/engine/engine";

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
}

const RUNNER = `
const handler = require(process.argv[2]).handler;
handler(JSON.parse(process.argv[3]), { awsRequestId: "local" }).then(
  (result) => process.stdout.write(JSON.stringify({ ok: true, result })),
  (error) => process.stdout.write(JSON.stringify({ ok: false, error: String(error && error.message) })),
);
`;

export async function runSerialized(
  code: string,
  event: unknown,
  env: Record<string, string>,
  timeoutMs = 30_000,
): Promise<HandlerRun> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "handler-"));
  try {
    fs.writeFileSync(path.join(dir, "__index.js"), code);
    fs.writeFileSync(path.join(dir, "runner.js"), RUNNER);
    const child = spawn(
      process.execPath,
      [path.join(dir, "runner.js"), path.join(dir, "__index.js"), JSON.stringify(event)],
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
    if (exited !== 0 || stdout === "") {
      throw new Error(`the handler process exited with ${String(exited)}: ${stderr}`);
    }
    return JSON.parse(stdout) as HandlerRun;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
