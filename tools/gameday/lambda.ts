/**
 * A function of the plan as a game day runs it (issue 14): its serialized `__index.js`, from the
 * plan's code archive, in its own `node` process (./lambda-runtime.js) on the simulated clock,
 * with the environment the plan gives it and credentials that name its role, so the front door
 * (./front.ts) knows who calls. Kept warm between invocations, as Lambda keeps an environment.
 *
 * What it follows, from the AWS Lambda Developer Guide:
 * - An invocation longer than the function's timeout ends with a timeout error
 *   ("Configuring function timeout": https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html).
 * - A function error is reported with the error's name as `errorType`
 *   (https://docs.aws.amazon.com/lambda/latest/dg/nodejs-exceptions.html).
 * - An environment that crashes loses what it was doing; the next invocation gets a new one.
 */
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PROJECT_ROOT } from "../engine/engine";
import type { ClockSegment } from "./clock";

export interface FunctionSpec {
  /** The function resource's logical name in the plan (`primary-compute-payments-api`). */
  readonly logicalName: string;
  readonly functionName: string;
  readonly region: string;
  /** The role's logical name: the credentials the front door sees. */
  readonly role: string;
  readonly code: string;
  readonly environment: Readonly<Record<string, string>>;
  readonly timeoutSeconds: number;
}

export interface Invocation {
  readonly ok: boolean;
  readonly result?: unknown;
  readonly error?: string;
  readonly errorType?: string;
}

export interface LambdaHost {
  /** The front door every AWS call goes to. */
  readonly endpoint: string;
  /** The API's domain (`api.dev.payments.acmepay.io`): its requests go to the front door too. */
  readonly apiDomain: string;
  readonly clock: () => ClockSegment;
  /** Each line the function writes to stdout (its logs and embedded metrics). */
  readonly onLog: (spec: FunctionSpec, line: string) => void;
  /** Told before each invocation (the game day slows its clock while anything runs). */
  readonly beforeInvoke: () => void;
}

interface Pending {
  readonly resolve: (invocation: Invocation) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

const RUNTIME = path.join(__dirname, "lambda-runtime.js");
const CLOCK = path.join(__dirname, "clock.js");

export class LambdaFunction {
  private child: ChildProcess | null = null;
  private ready: Promise<void> | null = null;
  private readonly pending = new Map<string, Pending>();
  private nextId = 0;
  private readonly dir: string;
  /** Invocations answered, by outcome. */
  readonly counts = { invocations: 0, errors: 0, timeouts: 0, crashes: 0 };

  constructor(
    readonly spec: FunctionSpec,
    private readonly host: LambdaHost,
  ) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), `gameday-${spec.functionName}-`));
    fs.writeFileSync(path.join(this.dir, "__index.js"), spec.code);
  }

  private start(): Promise<void> {
    if (this.ready !== null) {
      return this.ready;
    }
    const child = spawn(process.execPath, ["-r", CLOCK, RUNTIME, this.dir], {
      cwd: this.dir,
      env: {
        PATH: process.env.PATH ?? "",
        // The Lambda Node.js runtime provides the AWS SDK v3; here the project's copy stands in.
        NODE_PATH: path.join(PROJECT_ROOT, "node_modules"),
        AWS_REGION: this.spec.region,
        AWS_DEFAULT_REGION: this.spec.region,
        AWS_LAMBDA_FUNCTION_NAME: this.spec.functionName,
        AWS_ACCESS_KEY_ID: this.spec.role,
        AWS_SECRET_ACCESS_KEY: "gameday",
        AWS_ENDPOINT_URL: this.host.endpoint,
        GAMEDAY_CLOCK: JSON.stringify(this.host.clock()),
        GAMEDAY_FRONT: this.host.endpoint,
        GAMEDAY_API_DOMAIN: this.host.apiDomain,
        ...this.spec.environment,
      },
      stdio: ["ignore", "pipe", "pipe", "ipc"],
    });
    this.child = child;
    // A message to an environment that has just been killed fails on its closed channel; the
    // exit below answers what was waiting on it.
    child.on("error", () => undefined);
    let buffered = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines.filter((l) => l !== "")) {
        this.host.onLog(this.spec, line);
      }
    });
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    this.ready = new Promise<void>((resolve, reject) => {
      child.on("message", (message: { ready?: boolean; id?: string } & Invocation) => {
        if (message.ready === true) {
          resolve();
          return;
        }
        const waiting = message.id === undefined ? undefined : this.pending.get(message.id);
        if (waiting !== undefined) {
          this.pending.delete(message.id as string);
          clearTimeout(waiting.timer);
          waiting.resolve(message);
        }
      });
      child.once("exit", (code, signal) => {
        reject(new Error(`${this.spec.functionName} exited (${code ?? signal}): ${stderr}`));
        this.child = null;
        this.ready = null;
        // An environment that dies loses its invocations.
        for (const [id, waiting] of this.pending) {
          this.pending.delete(id);
          clearTimeout(waiting.timer);
          waiting.resolve({
            ok: false,
            error: "the environment exited",
            errorType: "Runtime.ExitError",
          });
        }
      });
    });
    this.ready.catch(() => undefined);
    return this.ready;
  }

  /** Starts the environment ahead of the first invocation (a cold start outside the game). */
  async warm(): Promise<void> {
    await this.start();
  }

  async invoke(event: unknown): Promise<Invocation> {
    this.host.beforeInvoke();
    await this.start();
    const child = this.child;
    if (child === null) {
      return { ok: false, error: "the environment exited", errorType: "Runtime.ExitError" };
    }
    const id = `${this.spec.functionName}-${(this.nextId += 1)}`;
    const timeoutMs = this.spec.timeoutSeconds * 1000;
    const answer = await new Promise<Invocation>((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve({
          ok: false,
          error: `Task timed out after ${this.spec.timeoutSeconds.toFixed(2)} seconds`,
          errorType: "Sandbox.Timedout",
        });
      }, timeoutMs);
      this.pending.set(id, { resolve, timer });
      child.send({
        invoke: {
          id,
          event,
          functionName: this.spec.functionName,
          deadlineMs: Date.now() + timeoutMs,
        },
      });
    });
    this.counts.invocations += 1;
    if (!answer.ok) {
      this.counts.errors += 1;
      if (answer.errorType === "Sandbox.Timedout") {
        this.counts.timeouts += 1;
      }
    }
    return answer;
  }

  /** Every invocation under way now. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Kills the environment mid-invocation: what it was doing is lost. */
  crash(): void {
    if (this.child !== null) {
      this.counts.crashes += 1;
      this.child.kill("SIGKILL");
    }
  }

  /** Tells the environment the clock's new segment. */
  follow(segment: ClockSegment): void {
    if (this.child?.connected === true) {
      this.child.send({ gamedayClock: segment }, () => undefined);
    }
  }

  async close(): Promise<void> {
    const child = this.child;
    if (child !== null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGKILL");
      await exited;
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
