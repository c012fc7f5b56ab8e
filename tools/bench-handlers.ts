/**
 * `npm run bench` (second part): per Lambda handler of the plan, its deployment artifact (the
 * serialized code plus the packages CallbackFunction adds, raw and deflated as in the zip), and
 * its cold start: a fresh `node` process loading the serialized handler until its first answer,
 * against dynalite and local stubs. Then the API's accept path in-process over 2,000 requests:
 * p50/p99 and the AWS calls each request makes. Budgets (ARCHITECTURE.md): artifact ≤ 1 MiB,
 * cold start ≤ 150 ms, accept path = one conditional write + one queue send.
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
import { runSerializedEvents, serializedCode } from "./harness/serialized";

const ARTIFACT_BUDGET = 1024 * 1024;
const COLD_START_BUDGET_MS = 150;
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
const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
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
    console.log(`Lambda handlers (dev plan, primary region); ${COLD_RUNS} cold starts each`);
    console.log(
      "handler                              files  artifact   deflated  cold start median  max     budget",
    );
    for (const [name, event] of handlers) {
      const artifact = artifactOf(evaluation, name);
      const code = serializedCode(evaluation, name);
      const colds: number[] = [];
      for (let run = 0; run < COLD_RUNS; run++) {
        const [result] = await runSerializedEvents(code, [event(run)], environment);
        if (!result.ok) {
          throw new Error(`${name} failed: ${String(result.error)}`);
        }
        colds.push(result.atMs ?? Number.NaN);
      }
      const within = artifact.bytes <= ARTIFACT_BUDGET && median(colds) <= COLD_START_BUDGET_MS;
      console.log(
        [
          name.replace(/^primary-/, "").padEnd(35),
          String(artifact.files).padStart(5),
          kib(artifact.bytes).padStart(10),
          kib(artifact.deflated).padStart(10),
          `${median(colds).toFixed(0)} ms`.padStart(18),
          `${Math.max(...colds).toFixed(0)} ms`.padStart(7),
          within ? "  within" : "  OVER",
        ].join(" "),
      );
    }

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
    console.log(
      `\nAPI accept path, ${ACCEPT_REQUESTS} sequential requests in-process against dynalite and an SQS stub:`,
    );
    console.log(
      `  p50 ${percentile(latencies, 0.5).toFixed(2)} ms  p99 ${percentile(latencies, 0.99).toFixed(2)} ms  max ${Math.max(...latencies).toFixed(2)} ms`,
    );
    console.log(
      `  per request: ${(count(writes, "PutItem") / ACCEPT_REQUESTS).toFixed(2)} conditional writes (other writes: ${writes.length - count(writes, "PutItem")}), ${(aws.calls.filter((c) => c.target === "AmazonSQS.SendMessage").length / ACCEPT_REQUESTS).toFixed(2)} queue sends, ${(db.operations.length - writes.length) / ACCEPT_REQUESTS} reads; active-region flag reads during the run: ${aws.calls.filter((c) => c.target === "AmazonSSM.GetParameter").length} (read at warm-up, cached 5 s)`,
    );
  } finally {
    await db.close();
    await aws.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
