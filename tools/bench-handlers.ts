/**
 * `npm run bench` (second part): per Lambda handler of the plan, its deployment artifact (the
 * serialized code plus the packages CallbackFunction adds, raw and deflated as in the zip; the
 * runtime's @aws-sdk/* are not packaged), and its cold start: a fresh `node` process loading the
 * serialized handler until its first answer, against dynalite and local stubs, set against a floor
 * measured in the same run: a fresh `node`, spawned the same way, that only requires the SDK
 * packages the handler's serialized code requires and constructs the clients it constructs (see
 * floorSource in tools/harness/floors.ts). Runs alternate floor and handler, handler after
 * handler, for COLD_RUNS rounds; medians. Then the API's accept path in-process over 2,000
 * requests: p50/p99 and the AWS calls each request makes. Budgets: artifact ≤ 1 MiB, cold start
 * ≤ 1.3× its floor, accept path = one conditional write + one queue send. Informational: verdicts
 * are printed, the exit code is 0 unless a run fails.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { deflateRawSync } from "node:zlib";
import { evaluate, type Evaluation } from "./engine/engine";
import {
  createPaymentsTable,
  sqsSendMessage,
  ssmParameter,
  startAwsStub,
  startDynamoDb,
} from "./harness/emulators";
import {
  describeFloor,
  floorOf,
  floorSource,
  formatRatio,
  interleave,
  median,
  ratioVerdict,
  verdictLine,
} from "./harness/floors";
import { runSerializedEvents, serializedCode } from "./harness/serialized";

const ARTIFACT_BUDGET = 1024 * 1024;
const COLD_START_BUDGET = 1.3;
const ACCEPT_REQUESTS = 2_000;
const COLD_RUNS = 5;
const TABLE = "acmepay-dev-payments";

interface Artifact {
  readonly files: number;
  readonly bytes: number;
  readonly deflated: number;
}

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full) : entry.isFile() ? [full] : [];
  });
}

/** The function's code archive as Lambda receives it: `__index.js` and the packaged modules. */
function artifactOf(evaluation: Evaluation, name: string): Artifact {
  const fn = evaluation.resources.find(
    (r) => r.type === "aws:lambda/function:Function" && r.name === name,
  );
  const assets = (
    fn?.rawInputs.code as { assets: Record<string, { text?: string; path?: string }> }
  ).assets;
  const contents: Buffer[] = [];
  for (const asset of Object.values(assets)) {
    if (asset.text !== undefined) {
      contents.push(Buffer.from(asset.text));
    } else if (asset.path !== undefined) {
      filesUnder(asset.path).forEach((file) => contents.push(fs.readFileSync(file)));
    }
  }
  return {
    files: contents.length,
    bytes: contents.reduce((sum, c) => sum + c.length, 0),
    deflated: contents.reduce((sum, c) => sum + deflateRawSync(c).length, 0),
  };
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))];

async function main(): Promise<void> {
  const evaluation = await evaluate({ stack: "dev" });
  const db = await startDynamoDb();
  await createPaymentsTable(db, TABLE);
  const aws = await startAwsStub({
    "AmazonSQS.SendMessage": sqsSendMessage,
    "AmazonSSM.GetParameter": ssmParameter("us-east-1"),
    "AmazonSSM.PutParameter": () => ({ body: { Version: 2 } }),
    "AWSStepFunctions.ListExecutions": () => ({ body: { executions: [] } }),
    "AWSStepFunctions.StartExecution": (body) => ({
      body: {
        executionArn: `arn:aws:states:us-east-1:1:execution:x:${String(body.name)}`,
        startDate: 0,
      },
    }),
  });
  const payment = {
    paymentId: "pay_bench",
    merchantId: "merchant-7",
    customerId: "customer-42",
    amountMinor: 1000,
    currency: "EUR",
    paymentMethod: { type: "card", token: "tok_4242424242" },
    createdAt: new Date().toISOString(),
  };
  const body = JSON.stringify({ ...payment, paymentId: undefined, createdAt: undefined });
  const post = (key: string) => ({
    httpMethod: "POST",
    resource: "/payments",
    headers: { "content-type": "application/json", "idempotency-key": key },
    body,
  });
  const environment = {
    PAYMENTS_TABLE: TABLE,
    PAYMENTS_QUEUE_URL:
      "https://sqs.us-east-1.amazonaws.com/111122223333/acmepay-dev-payments-use1",
    ACTIVE_REGION_PARAMETER: "acmepay-dev-active-region",
    PAYMENT_LIMITS: JSON.stringify({ EUR: 1_000_000 }),
    AUTHORIZATION_RULES: JSON.stringify({
      maxAmountMinor: { EUR: 1_000_000 },
      velocity: { windowSeconds: 3600, maxPayments: 1000, maxAmountMinor: { EUR: 5_000_000 } },
    }),
    PAYMENT_WORKFLOW_ARN:
      "arn:aws:states:us-east-1:111122223333:stateMachine:acmepay-dev-payments-use1",
    RUNS_TABLE: "acmepay-dev-failover-runs-use1",
    PEER_REGION: "us-west-2",
    RUNBOOK_ARN:
      "arn:aws:states:us-east-1:111122223333:stateMachine:acmepay-dev-failover-runbook-use1",
    PEER_RUNBOOK_ARN:
      "arn:aws:states:us-west-2:111122223333:stateMachine:acmepay-dev-failover-runbook-usw2",
    CRITICAL_ALARMS: "acmepay-dev-region-impaired-usw2",
    AUTOMATIC_WRITE_FAILOVER: "false",
    INCIDENT_WINDOW_SECONDS: "900",
    AWS_REGION: "us-east-1",
    AWS_ENDPOINT_URL_DYNAMODB: db.endpoint,
    AWS_ENDPOINT_URL_SQS: aws.endpoint,
    AWS_ENDPOINT_URL_SSM: aws.endpoint,
    AWS_ENDPOINT_URL_SFN: aws.endpoint,
  };
  const handlers: [string, (run: number) => unknown][] = [
    ["primary-compute-payments-api", (run) => post(`cold-${run}`)],
    [
      "primary-compute-payments-processor",
      (run) => ({
        Records: [
          {
            messageId: `m-${run}`,
            body: JSON.stringify({ payment: { ...payment, paymentId: `pay_cold_${run}` } }),
          },
        ],
      }),
    ],
    ["primary-compute-health", () => ({})],
    ["primary-orchestration-authorize", () => ({ payment })],
    ["primary-failover-orchestrator", () => ({ mode: "planned", reason: "bench" })],
    [
      "primary-failover-steps",
      () => ({
        action: "fence",
        region: "us-west-2",
        parameterName: "acmepay-dev-active-region",
        activeRegion: "us-east-1",
      }),
    ],
  ];
  try {
    const subjects = handlers.map(([name, event]) => {
      const code = serializedCode(evaluation, name);
      const floor = floorOf(code);
      return { name, event, code, floor, floorCode: floorSource(floor) };
    });
    /** Time from the process's start to the first answer, in a fresh process. */
    const coldStart = async (code: string, event: unknown, what: string) => {
      const [result] = await runSerializedEvents(code, [event], environment);
      if (!result.ok) {
        throw new Error(`${what} failed: ${String(result.error)}`);
      }
      return result.atMs ?? Number.NaN;
    };
    const floorKey = (name: string) => `${name} floor`;
    const runners = new Map(
      subjects.flatMap((s): [string, (run: number) => Promise<number>][] => [
        [floorKey(s.name), () => coldStart(s.floorCode, {}, `the floor of ${s.name}`)],
        [s.name, (run) => coldStart(s.code, s.event(run), s.name)],
      ]),
    );
    const runs = await interleave([...runners.keys()], COLD_RUNS, (key, run) =>
      (runners.get(key) ?? (() => Promise.reject(new Error(key))))(run),
    );

    console.log(
      `Lambda handlers (dev plan, primary region); cold start = a fresh node to the first answer, ${COLD_RUNS} rounds alternating floor and handler`,
    );
    console.log(
      "handler                              files  artifact   deflated  cold median  max     floor median  × floor",
    );
    const verdicts: string[] = [];
    const floorLines: string[] = [];
    for (const { name, floor } of subjects) {
      const artifact = artifactOf(evaluation, name);
      const colds = runs.get(name) ?? [];
      const floors = runs.get(floorKey(name)) ?? [];
      const short = name.replace(/^primary-/, "");
      const cold = ratioVerdict(
        `cold start ${short}`,
        median(colds),
        median(floors),
        COLD_START_BUDGET,
      );
      console.log(
        [
          short.padEnd(35),
          String(artifact.files).padStart(5),
          kib(artifact.bytes).padStart(10),
          kib(artifact.deflated).padStart(10),
          `${median(colds).toFixed(0)} ms`.padStart(12),
          `${Math.max(...colds).toFixed(0)} ms`.padStart(7),
          `${median(floors).toFixed(0)} ms`.padStart(13),
          formatRatio(cold.ratio).padStart(8),
        ].join(" "),
      );
      verdicts.push(
        cold.line,
        verdictLine(
          artifact.bytes <= ARTIFACT_BUDGET,
          `artifact ${short}: ${kib(artifact.bytes)}; budget ≤ 1 MiB`,
        ),
      );
      floorLines.push(`  ${short.padEnd(35)}${describeFloor(floor) || "(nothing)"}`);
    }
    console.log(
      `Floors (a fresh node requiring these packages and constructing these clients, then answering):\n${floorLines.join("\n")}`,
    );

    Object.assign(process.env, environment, {
      AWS_ACCESS_KEY_ID: "local",
      AWS_SECRET_ACCESS_KEY: "local",
    });
    const { paymentsApiHandler } = await import("../handlers/payments-api.lambda");
    await paymentsApiHandler(post("warm-up"));
    db.operations.length = 0;
    aws.calls.length = 0;
    const latencies: number[] = [];
    for (let i = 0; i < ACCEPT_REQUESTS; i++) {
      const start = performance.now();
      const response = await paymentsApiHandler(post(`accept-${i}`));
      latencies.push(performance.now() - start);
      if (response.statusCode !== 202) {
        throw new Error(`request ${i} got ${response.statusCode}: ${response.body}`);
      }
    }
    const count = (list: string[], name: string) => list.filter((x) => x === name).length;
    const writes = db.operations.filter((op) => !["GetItem", "Query", "Scan"].includes(op));
    const conditionalWrites = count(writes, "PutItem") / ACCEPT_REQUESTS;
    const otherWrites = writes.length - count(writes, "PutItem");
    const sends =
      aws.calls.filter((c) => c.target === "AmazonSQS.SendMessage").length / ACCEPT_REQUESTS;
    console.log(
      `\nAPI accept path, ${ACCEPT_REQUESTS} sequential requests in-process against dynalite and an SQS stub:`,
    );
    console.log(
      `  p50 ${percentile(latencies, 0.5).toFixed(2)} ms  p99 ${percentile(latencies, 0.99).toFixed(2)} ms  max ${Math.max(...latencies).toFixed(2)} ms`,
    );
    console.log(
      `  per request: ${conditionalWrites.toFixed(2)} conditional writes (other writes: ${otherWrites}), ${sends.toFixed(2)} queue sends, ${(db.operations.length - writes.length) / ACCEPT_REQUESTS} reads; active-region flag reads during the run: ${aws.calls.filter((c) => c.target === "AmazonSSM.GetParameter").length} (read at warm-up, cached 5 s)`,
    );
    verdicts.push(
      verdictLine(
        conditionalWrites === 1 && otherWrites === 0 && sends === 1,
        `accept path: ${conditionalWrites.toFixed(2)} conditional writes (other writes: ${otherWrites}) + ${sends.toFixed(2)} queue sends per request; budget 1 + 1`,
      ),
    );
    console.log(`\nVerdicts (informational; cold starts as medians):\n${verdicts.join("\n")}`);
  } finally {
    await db.close();
    await aws.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
