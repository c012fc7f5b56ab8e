/**
 * The policy pack as the Pulumi CLI runs it: its own process, started from policy/ with its own
 * packages, serving the analyzer protocol on 127.0.0.1. The test configures it with a stack's
 * policy config and asks it to analyze resources and a stack, and checks that the offline runner
 * (which the plan and the other tests use) reports exactly the same violations. The server
 * prefixes each message with the policy's description, as the CLI shows it.
 */
import { strict as assert } from "node:assert";
import { type ChildProcess, spawn } from "node:child_process";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import * as analyzerGrpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as analyzer from "@pulumi/pulumi/proto/analyzer_pb";
import type { Policy, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { POLICIES } from "../../policy/policies";
import { PROJECT_ROOT } from "../../tools/engine/engine";
import {
  enforcementLevelOf,
  loadPackConfig,
  type PackConfig,
  type PolicyViolation,
  runResourcePolicy,
  runStackPolicy,
  type StackResourceUnderTest,
} from "../../tools/engine/policy-runner";
import { provider, resource } from "./harness";

const START_TIMEOUT_MS = 60_000;
const LEVELS: Record<string, number> = {
  advisory: analyzer.EnforcementLevel.ADVISORY,
  mandatory: analyzer.EnforcementLevel.MANDATORY,
  disabled: analyzer.EnforcementLevel.DISABLED,
};
const LEVEL_NAMES = Object.fromEntries(Object.entries(LEVELS).map(([k, v]) => [v, k]));

interface Diagnostic {
  readonly policy: string;
  readonly enforcementLevel: string;
  readonly message: string;
}

type Call<Req, Res> = (
  request: Req,
  callback: (error: grpc.ServiceError | null, response: Res) => void,
) => void;

function call<Req, Res>(method: Call<Req, Res>, request: Req): Promise<Res> {
  return new Promise((resolve, reject) =>
    method(request, (error, response) => (error ? reject(error) : resolve(response))),
  );
}

/** Starts the pack and resolves with the port it prints, as the CLI reads it. */
function startPack(): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "index.ts"], {
      cwd: path.join(PROJECT_ROOT, "policy"),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`the policy pack did not start within ${START_TIMEOUT_MS} ms: ${stderr}`));
    }, START_TIMEOUT_MS);
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout?.once("data", (chunk: Buffer) => {
      clearTimeout(timer);
      resolve({ child, port: Number(chunk.toString().trim()) });
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the policy pack exited with ${String(code)}: ${stderr}`));
    });
  });
}

/** The fields AnalyzeRequest and AnalyzerResource share, filled from a test subject. */
interface ResourceMessage {
  setType(value: string): unknown;
  setName(value: string): unknown;
  setUrn(value: string): unknown;
  setProperties(value: Struct): unknown;
  setOptions(value: analyzer.AnalyzerResourceOptions): unknown;
  setProvider(value: analyzer.AnalyzerProviderResource): unknown;
}

function describeResource<M extends ResourceMessage>(message: M, r: StackResourceUnderTest): M {
  message.setType(r.type);
  message.setName(r.name);
  message.setUrn(r.urn);
  message.setProperties(Struct.fromJavaScript(r.props as never));
  const opts = new analyzer.AnalyzerResourceOptions();
  opts.setProtect(r.opts?.protect ?? false);
  opts.setIgnorechangesList([...(r.opts?.ignoreChanges ?? [])]);
  opts.setCustomtimeouts(new analyzer.AnalyzerResourceOptions.CustomTimeouts());
  message.setOptions(opts);
  if (r.provider !== undefined) {
    const provider = new analyzer.AnalyzerProviderResource();
    provider.setType(r.provider.type);
    provider.setName(r.provider.name);
    provider.setUrn(r.provider.urn);
    provider.setProperties(Struct.fromJavaScript(r.provider.props as never));
    message.setProvider(provider);
  }
  return message;
}

/** The runner's violations as the server reports them: the description, then the message. */
function asDiagnostics(policy: Policy, violations: readonly PolicyViolation[]): Diagnostic[] {
  return violations.map((v) => ({
    policy: v.policy,
    enforcementLevel: v.enforcementLevel,
    message: `${policy.description}\n${v.message}`,
  }));
}

function diagnostics(response: analyzer.AnalyzeResponse): Diagnostic[] {
  return response.getDiagnosticsList().map((d) => ({
    policy: d.getPolicyname(),
    enforcementLevel: LEVEL_NAMES[d.getEnforcementlevel()],
    message: d.getMessage(),
  }));
}

const sorted = (ds: Diagnostic[]) =>
  [...ds].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
const isResourcePolicy = (p: Policy): p is ResourceValidationPolicy => "validateResource" in p;
const isStackPolicy = (p: Policy): p is StackValidationPolicy => "validateStack" in p;

const KEY = "arn:aws:kms:us-east-1:111122223333:key/mrk-1";
/** Resources that break a spread of policies, and some that keep them. */
const SUBJECTS: StackResourceUnderTest[] = [
  resource("aws:sqs/queue:Queue", "unencrypted", {
    name: "acmepay-dev-unencrypted",
    arn: "arn:aws:sqs:us-east-1:1:acmepay-dev-unencrypted",
  }),
  resource("aws:dynamodb/table:Table", "no-pitr", {
    name: "acmepay-dev-payments",
    serverSideEncryption: { enabled: true, kmsKeyArn: KEY },
    pointInTimeRecovery: { enabled: false },
  }),
  resource(
    "aws:kms/key:Key",
    "no-rotation",
    { enableKeyRotation: false },
    { provider: provider("us-east-1", { Environment: "prod" }) },
  ),
  resource("aws:route53/zone:Zone", "reserved", { name: "example.com" }),
  resource(
    "aws:rds/cluster:Cluster",
    "secondary",
    { globalClusterIdentifier: "g", databaseName: "ledger", storageEncrypted: true, kmsKeyId: KEY },
    { provider: provider("us-west-2") },
  ),
  resource(
    "aws:s3/bucket:Bucket",
    "receipts",
    { bucket: "acmepay-dev-receipts-use1" },
    { opts: { protect: true } },
  ),
  resource(
    "aws:sqs/queue:Queue",
    "stray",
    { name: "stray", kmsMasterKeyId: KEY },
    { provider: provider("eu-west-1") },
  ),
];

describe("the policy pack served as the Pulumi CLI runs it", function () {
  this.timeout(START_TIMEOUT_MS + 30_000);
  let child: ChildProcess | undefined;
  let client: analyzerGrpc.AnalyzerClient;

  before(async () => {
    const started = await startPack();
    child = started.child;
    client = new analyzerGrpc.AnalyzerClient(
      `127.0.0.1:${started.port}`,
      grpc.credentials.createInsecure(),
    );
  });

  after(() => {
    client?.close();
    child?.kill();
  });

  it("describes the same policies, at the same default levels", async () => {
    const info = await call<never, analyzer.AnalyzerInfo>(
      client.getAnalyzerInfo.bind(client),
      new (await import("google-protobuf/google/protobuf/empty_pb")).Empty() as never,
    );
    assert.equal(info.getName(), "payments-dr");
    assert.deepEqual(
      info.getPoliciesList().map((p) => [p.getName(), LEVEL_NAMES[p.getEnforcementlevel()]]),
      POLICIES.map((p) => [p.name, enforcementLevelOf(p)]),
    );
  });

  for (const stack of ["dev", "prod"]) {
    describe(`configured with policy/config/${stack}.json`, () => {
      const config: PackConfig = loadPackConfig(PROJECT_ROOT, stack);

      before(async () => {
        const request = new analyzer.ConfigureAnalyzerRequest();
        for (const policy of POLICIES) {
          const entry = config[policy.name];
          const properties =
            typeof entry === "object"
              ? Object.fromEntries(Object.entries(entry).filter(([k]) => k !== "enforcementLevel"))
              : {};
          const policyConfig = new analyzer.PolicyConfig();
          policyConfig.setEnforcementlevel(
            LEVELS[enforcementLevelOf(policy, config)] as analyzer.EnforcementLevel,
          );
          policyConfig.setProperties(Struct.fromJavaScript(properties as never));
          request.getPolicyconfigMap().set(policy.name, policyConfig);
        }
        await call(client.configure.bind(client), request);
      });

      it("reports the same resource violations as the offline runner", async () => {
        for (const subject of SUBJECTS) {
          const request = describeResource(new analyzer.AnalyzeRequest(), subject);
          const served = diagnostics(await call(client.analyze.bind(client), request));
          const offline: Diagnostic[] = [];
          for (const policy of POLICIES.filter(isResourcePolicy)) {
            const outcome = await runResourcePolicy(policy, subject, { config });
            offline.push(...asDiagnostics(policy, outcome.violations));
          }
          assert.deepEqual(sorted(served), sorted(offline), subject.name);
          const compliant = ["receipts", "stray"].includes(subject.name);
          if (!compliant) {
            assert.ok(served.length > 0, `${subject.name} breaks at least one policy`);
          }
        }
      });

      it("reports the same stack violations as the offline runner", async () => {
        const request = new analyzer.AnalyzeStackRequest();
        request.setResourcesList(
          SUBJECTS.map((subject) => describeResource(new analyzer.AnalyzerResource(), subject)),
        );
        const served = diagnostics(await call(client.analyzeStack.bind(client), request));
        const offline: Diagnostic[] = [];
        for (const policy of POLICIES.filter(isStackPolicy)) {
          const outcome = await runStackPolicy(policy, SUBJECTS, { config });
          offline.push(...asDiagnostics(policy, outcome.violations));
        }
        assert.deepEqual(sorted(served), sorted(offline));
        assert.ok(served.some((d) => d.policy === "allowed-regions"));
      });
    });
  }
});
