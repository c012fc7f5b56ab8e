import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { PROJECT_ROOT } from "../../tools/engine/engine";

interface Step {
  readonly uses?: string;
  readonly with?: Record<string, unknown>;
}

/** Every step of a workflow's jobs, or of a composite action. */
function steps(file: string): Step[] {
  const document = yaml.load(fs.readFileSync(path.join(PROJECT_ROOT, file), "utf8")) as {
    jobs?: Record<string, { steps?: Step[] }>;
    runs?: { steps?: Step[] };
  };
  return [
    ...Object.values(document.jobs ?? {}).flatMap((job) => job.steps ?? []),
    ...(document.runs?.steps ?? []),
  ];
}

describe("CI workflows", () => {
  const sdk = (
    JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
    }
  ).dependencies["@pulumi/pulumi"];
  const files = [
    ".github/workflows/pull-request.yml",
    ".github/workflows/deploy.yml",
    ".github/actions/deploy-stack/action.yml",
  ];

  it("run the Pulumi CLI of the SDK's version wherever they run Pulumi", () => {
    const pulumiSteps = files.flatMap(steps).filter((s) => s.uses?.startsWith("pulumi/actions@"));
    assert.equal(pulumiSteps.length, 2);
    for (const step of pulumiSteps) {
      assert.equal(step.with?.["pulumi-version"], sdk);
    }
  });

  it("take each AWS role from the job's own GitHub environment", () => {
    const workflows = files.slice(0, 2).map(
      (file) =>
        yaml.load(fs.readFileSync(path.join(PROJECT_ROOT, file), "utf8")) as {
          jobs: Record<string, { environment?: string; steps: Step[] }>;
        },
    );
    for (const workflow of workflows) {
      for (const [name, job] of Object.entries(workflow.jobs)) {
        const usesRole = JSON.stringify(job.steps).includes("ROLE_ARN");
        assert.ok(
          !usesRole || job.environment !== undefined,
          `job ${name} reads a role outside an environment`,
        );
      }
    }
  });
});
