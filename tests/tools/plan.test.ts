import { strict as assert } from "node:assert";
import { STACK_RPO_BUDGET, STACK_TRAFFIC_BUDGET } from "../fixtures/plan";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as aws from "@pulumi/aws";
import { isGlobalServiceType } from "../../model/regions";
import { POLICIES } from "../../policy/policies";
import { PROJECT_ROOT } from "../../tools/engine/engine";
import { runPlan } from "../../tools/plan";
import { offlineSecretStandIn } from "../../model/config";
import { PRICES_AS_OF } from "../../model/prices";
import type { PlanDocument } from "../../tools/engine/plan-document";
import { fixtureProgram } from "../fixtures/programs";

async function plan(args: string[], engine = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runPlan(args, { out: (t) => out.push(t), err: (t) => err.push(t) }, engine);
  return { code, out: out.join("\n"), err: err.join("\n") };
}

/**
 * A copy of the project (node_modules linked) in `into`, as a team has it: without policy/config
 * for the stacks it adds. `edit` writes stack files into it.
 */
function projectCopy(into: string, edit: (project: string) => void): string {
  const project = fs.mkdtempSync(path.join(into, "project-"));
  for (const entry of [
    "index.ts",
    "package.json",
    "tsconfig.json",
    "Pulumi.yaml",
    "Pulumi.dev.yaml",
    "Pulumi.prod.yaml",
  ]) {
    fs.copyFileSync(path.join(PROJECT_ROOT, entry), path.join(project, entry));
  }
  for (const folder of ["components", "handlers", "model", "definitions"]) {
    fs.cpSync(path.join(PROJECT_ROOT, folder), path.join(project, folder), { recursive: true });
  }
  fs.cpSync(path.join(PROJECT_ROOT, "policy"), path.join(project, "policy"), {
    recursive: true,
    filter: (source) => !source.includes(`${path.sep}node_modules`),
  });
  fs.symlinkSync(path.join(PROJECT_ROOT, "node_modules"), path.join(project, "node_modules"));
  edit(project);
  return project;
}

describe("plan command", () => {
  let dir: string;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-"))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("writes the plan JSON exactly as the contract says", async () => {
    const file = path.join(dir, "plan.json");
    const { code } = await plan(["--stack", "prod", "--json", file]);
    assert.equal(code, 0);
    const document = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
    assert.deepEqual(Object.keys(document), [
      "project",
      "stack",
      "regions",
      "resources",
      "outputs",
      "policies",
      "policiesRun",
      "recovery",
      "cost",
      "knownAfterDeploy",
    ]);
    assert.equal(document.project, "payments-dr");
    assert.equal(document.stack, "prod");
    assert.deepEqual(document.regions, { primary: "us-east-1", secondary: "us-west-2" });
    const resources = document.resources as Record<string, unknown>[];
    const urns = new Set(resources.map((r) => r.urn));
    assert.ok(resources.length >= 3);
    for (const r of resources) {
      assert.deepEqual(Object.keys(r), [
        "urn",
        "type",
        "name",
        "custom",
        "parent",
        "provider",
        "region",
        "inputs",
        "options",
      ]);
      assert.match(String(r.urn), /^urn:pulumi:prod::payments-dr::[^:]/);
      assert.equal(typeof r.custom, "boolean");
      assert.ok(r.parent === null || urns.has(r.parent), `parent of ${String(r.urn)} is recorded`);
      assert.equal(typeof r.provider, "string");
      assert.ok(
        r.region !== null ||
          !r.custom ||
          isGlobalServiceType(String(r.type)) ||
          !String(r.type).startsWith("aws:"),
        `${String(r.urn)} has a region`,
      );
      assert.deepEqual(Object.keys(r.options as object), [
        "protect",
        "retainOnDelete",
        "ignoreChanges",
        "dependsOn",
        "aliases",
      ]);
    }
    assert.deepEqual((document.outputs as Record<string, unknown>).regions, document.regions);
    const cost = document.cost as { totalUsd: number; unpriced: string[]; pricesAsOf: string };
    assert.ok(cost.totalUsd > 0);
    assert.deepEqual(cost.unpriced, []);
    assert.equal(cost.pricesAsOf, PRICES_AS_OF);
    // The mocked values stay, marked: each path leads to a mocked string, and what is known is not.
    const marked = document.knownAfterDeploy as {
      outputs: string[];
      inputs: Record<string, string[]>;
    };
    const at = (value: unknown, dotted: string) =>
      dotted
        .split(/\.|\[(\d+)\]/)
        .filter((part) => part !== undefined && part !== "")
        .reduce((v, part) => (v as Record<string, unknown>)[part], value);
    assert.ok(marked.outputs.includes("dns.nameServers[0]"));
    assert.ok(marked.outputs.includes("vpcIds.primary"));
    assert.ok(!marked.outputs.some((p) => p.startsWith("regions") || p.startsWith("dns.apiUrl")));
    for (const p of marked.outputs) {
      assert.equal(typeof at(document.outputs, p), "string", p);
    }
    const byUrn = new Map(resources.map((r) => [String(r.urn), r]));
    assert.ok(Object.keys(marked.inputs).length > 0);
    for (const [urn, paths] of Object.entries(marked.inputs)) {
      for (const p of paths) {
        assert.equal(typeof at(byUrn.get(urn)?.inputs, p), "string", `${urn} ${p}`);
      }
    }
    assert.deepEqual(document.policies, []);
    const run = document.policiesRun as { policy: string; enforcementLevel: string }[];
    assert.equal(run.length, POLICIES.length);
    assert.deepEqual(run[0], { policy: "required-tags", enforcementLevel: "mandatory" });
    const { writePath, ...budget } = document.recovery as Record<string, unknown> & {
      writePath: Record<string, { mode: string; nominalSeconds: number; steps: unknown[] }>;
    };
    assert.deepEqual(budget, {
      traffic: STACK_TRAFFIC_BUDGET,
      rpo: STACK_RPO_BUDGET,
      targets: { rtoTrafficSeconds: 90, rpoSeconds: 5 },
    });
    // 10 s fence settling + 30 polls of 10 s for the new writer; planned adds 20 lag polls of 15 s
    // and 10 drain polls of 10 s (processor timeout 30 s + 1 s batching window + 60 s, in 10 s polls).
    assert.deepEqual(
      [
        writePath.unplanned.mode,
        writePath.unplanned.nominalSeconds,
        writePath.planned.nominalSeconds,
      ],
      ["unplanned", 313, 713],
    );
  });

  it("prints project, stack, regions, resources by region and counts", async () => {
    const { code, out } = await plan(["--stack", "dev"], { program: fixtureProgram() });
    assert.equal(code, 0);
    const lines = out.split("\n");
    assert.equal(lines[0], "Plan of payments-dr/dev (offline: what `pulumi preview` would create)");
    assert.equal(lines[1], "Regions: primary us-east-1, secondary us-west-2");
    const primary = lines.indexOf("us-east-1 (primary)");
    const secondary = lines.indexOf("us-west-2 (secondary)");
    assert.ok(primary > 0 && secondary > primary);
    assert.match(lines[primary + 1], /^ {2}\+ pulumi:providers:aws +aws-primary$/);
    assert.equal(lines[primary + 2], "  fixture:index:Tier primary");
    assert.deepEqual(
      lines.slice(primary + 3, primary + 5).map((l) => l.trim().split(/ +/)),
      [
        ["+", "aws:cloudwatch/metricAlarm:MetricAlarm", "primary-dlq-depth"],
        ["+", "aws:dynamodb/table:Table", "primary-table"],
      ],
    );
    // IAM is global: each tier's role is listed under "global", in its tier, not in the region.
    const global = lines.indexOf("global");
    assert.ok(global > 0 && global < primary);
    assert.deepEqual(
      lines
        .slice(global, primary)
        .filter((l) => l.includes("aws:iam/"))
        .map((l) => l.trim().split(/ +/)[2]),
      ["primary-role", "secondary-role"],
    );
    assert.ok(
      lines.includes(
        "Resources: 23 to create (20 custom, 3 components) · global 3 · us-east-1 10 · us-west-2 10",
      ),
    );
    assert.ok(lines.includes("Invariants: 7 checked, 0 violated"));
    assert.ok(
      lines.includes(
        `Policies: ${POLICIES.length} run with policy/config/dev.json · 0 mandatory, 4 advisory violations`,
      ),
    );
  });

  it("exits 1 and names the violation when the program leaks a resource to the default provider", async () => {
    const program = fixtureProgram(() => {
      new aws.sqs.Queue("leaky", { name: "acmepay-dev-leaky" });
    });
    const { code, out } = await plan(["--stack", "dev"], { program });
    assert.equal(code, 1);
    assert.ok(
      out.includes(
        "✗ explicit-provider: urn:pulumi:dev::payments-dr::aws:sqs/queue:Queue::leaky has no explicit provider: it would use the default AWS provider",
      ),
    );
  });

  it("plans a new stack copied from dev with its own environment, its pack configuration derived from it", async function () {
    this.timeout(120_000);
    // Pulumi.qa.yaml copied from Pulumi.dev.yaml, as a team adds a stack: no policy/config/qa.json.
    const project = projectCopy(dir, (root) =>
      fs.writeFileSync(
        path.join(root, "Pulumi.qa.yaml"),
        fs
          .readFileSync(path.join(root, "Pulumi.dev.yaml"), "utf8")
          .replace("payments-dr:environment: dev", "payments-dr:environment: qa"),
      ),
    );
    const { code, out } = await plan(["--stack", "qa"], { root: project });
    assert.equal(code, 0, out);
    assert.match(
      out,
      new RegExp(
        `^Policies: ${POLICIES.length} run with the pack configuration Pulumi.qa.yaml makes \\(policy/config/qa.json is missing: npm run policy-config writes it for pulumi preview\\) · 0 mandatory, \\d+ advisory violations$`,
        "m",
      ),
    );
    assert.match(out, /failoverRunsTables.primary: "acmepay-qa-failover-runs-use1"/);
  });

  it("plans a stack whose e-mail and account ids are encrypted, printing them as [secret]", async function () {
    this.timeout(120_000);
    // As `pulumi config set --secret` leaves them: ciphertext only the stack's secrets provider reads.
    const project = projectCopy(dir, (root) => {
      const file = path.join(root, "Pulumi.prod.yaml");
      const text = fs
        .readFileSync(file, "utf8")
        .replace(
          /payments-dr:alertEmail: .*/,
          "payments-dr:alertEmail:\n    secure: v1:Ym9ndXMgY2lwaGVydGV4dA==",
        )
        .replace(
          /payments-dr:allowedAccountIds:\n( {4}- .*\n)+/,
          "payments-dr:allowedAccountIds:\n    secure: v1:YW5vdGhlciBjaXBoZXJ0ZXh0\n",
        );
      assert.match(text, /alertEmail:\n {4}secure/);
      assert.match(text, /allowedAccountIds:\n {4}secure/);
      fs.writeFileSync(file, text);
    });
    const json = path.join(dir, "secret-plan.json");
    const { code, out } = await plan(["--stack", "prod", "--json", json], { root: project });
    assert.equal(code, 0, out);
    assert.match(out, /^Policies: .* · 0 mandatory, \d+ advisory violations$/m);
    assert.match(out, /^ {2}accountIds: {"primary":"\[secret\]","secondary":"\[secret\]"}$/m);
    const written = fs.readFileSync(json, "utf8");
    const { outputs } = JSON.parse(written) as { outputs: { alarmTopics: { primary: string } } };
    assert.equal(
      outputs.alarmTopics.primary,
      "arn:aws:sns:us-east-1:[secret]:acmepay-prod-alarms-use1",
    );
    for (const standIn of [offlineSecretStandIn("alertEmail"), "000000000000"]) {
      assert.ok(standIn !== undefined && !out.includes(standIn), `the printout shows ${standIn}`);
      assert.ok(!written.includes(standIn), `the plan JSON shows ${standIn}`);
    }
    const subscriptions = (JSON.parse(written) as PlanDocument).resources.filter(
      (r) =>
        r.type === "aws:sns/topicSubscription:TopicSubscription" && r.inputs.protocol === "email",
    );
    assert.ok(subscriptions.length > 0);
    assert.ok(subscriptions.every((s) => s.inputs.endpoint === "[secret]"));
  });

  it("judges the recovery targets the stack sets: a longer TTL passes under a raised RTO target, an RPO of 0 fails in eventual mode", async () => {
    const { code, out } = await plan(["--stack", "dev"], {
      configOverrides: {
        failoverRecordTtlSeconds: "300",
        rtoTrafficSeconds: "400",
        rpoSeconds: "0",
      },
    });
    assert.equal(code, 1);
    const violations = out.split("\n").filter((l) => l.includes("recovery-objectives"));
    assert.equal(violations.length, 2, violations.join("\n"));
    assert.match(
      violations[0],
      /✗ \[mandatory\] recovery-objectives: the payments table's RPO is 5 s .*, over the target of 0 s/,
    );
    assert.match(
      violations[1],
      /✗ \[mandatory\] recovery-objectives: the ledger's RPO is 1 s .*, over the target of 0 s/,
    );
  });

  it("exits 2 naming a misspelt key and the key it resembles", async () => {
    const { code, err } = await plan(["--stack", "prod"], {
      configOverrides: { automaticWriteFailovr: "true" },
    });
    assert.equal(code, 2);
    assert.equal(
      err,
      'error: Invalid configuration for stack "prod":\n  - payments-dr:automaticWriteFailovr is not a configuration key of this project; did you mean automaticWriteFailover? (Pulumi.yaml lists them)',
    );
  });

  it("exits 2 with a clear message for an unknown stack", async () => {
    const { code, err } = await plan(["--stack", "staging"]);
    assert.equal(code, 2);
    assert.equal(
      err,
      'error: unknown stack "staging": there is no Pulumi.staging.yaml (stacks: dev, prod)',
    );
  });

  it("exits 2 naming the key for a bad config", async () => {
    const { code, err } = await plan(["--stack", "dev"], {
      configOverrides: { backupRetentionDays: "90" },
    });
    assert.equal(code, 2);
    assert.equal(
      err,
      'error: Invalid configuration for stack "dev":\n  - payments-dr:backupRetentionDays = 90: must be between 7 and 35 days (Aurora and AWS Backup limits)',
    );
  });

  it("exits 2 with usage, and the hint npm needs, when --stack is missing", async () => {
    const { code, err } = await plan([]);
    assert.equal(code, 2);
    const [first, , usage] = err.split("\n");
    assert.equal(
      first,
      "error: --stack is required (with npm, the arguments go after --: npm run plan -- --stack dev)",
    );
    assert.equal(usage, "usage: npm run plan -- --stack <name> [--json <file>]");
  });

  it("shows values only AWS can give as known after deploy, and folds long outputs by path", async () => {
    const { out } = await plan(["--stack", "dev"], { program: fixtureProgram() });
    const lines = out.split("\n");
    const heading = lines.indexOf("Outputs:");
    assert.ok(heading > 0);
    const outputs = lines.slice(heading + 1);
    // The queue's URL is SQS's answer to CreateQueue; the secret is the program's own.
    assert.deepEqual(outputs.slice(0, 2), [
      "  primaryQueueUrl: (known after deploy)",
      '  secret: "[secret]"',
    ]);
    assert.ok(outputs.length > 0);
    assert.ok(
      outputs.every((l) => /^ {2}[\w.[\]]+: /.test(l) && (l.length <= 100 || !l.includes(": {"))),
      outputs.join("\n"),
    );
  });

  it("prints its usage for --help and exits 0", async () => {
    const { code, out, err } = await plan(["--help"]);
    assert.deepEqual([code, err], [0, ""]);
    assert.match(
      out,
      /^usage: npm run plan -- --stack <name> \[--json <file>\]\n\nEvaluates the stack offline/,
    );
  });

  it("refuses a --json path whose folder does not exist before evaluating anything", async () => {
    const file = path.join(dir, "no", "plan.json");
    let evaluated = false;
    const { code, out, err } = await plan(["--stack", "dev", "--json", file], {
      program: () => {
        evaluated = true;
      },
    });
    assert.deepEqual([code, out, evaluated], [2, "", false]);
    assert.equal(err, `error: --json ${file}: the folder ${path.join(dir, "no")} does not exist`);
  });

  it("runs as the README says: npm run plan -- --stack dev", () => {
    const result = spawnSync("npm", ["run", "--silent", "plan", "--", "--stack", "dev"], {
      cwd: PROJECT_ROOT,
      encoding: "utf8",
      timeout: 60_000,
    });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^Plan of payments-dr\/dev/);
    assert.match(result.stdout, /Invariants: 7 checked, 0 violated/);
  });
});
