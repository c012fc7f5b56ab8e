import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { POLICIES, POLICY_DOMAINS } from "../../policy/policies";
import { PROJECT_ROOT } from "../../tools/engine/engine";
import { packConfigFor } from "../../tools/engine/pack-config";
import { enforcementLevelOf, loadPackConfig } from "../../tools/engine/policy-runner";
import { readStackConfig } from "../../tools/engine/stack-files";

const stackConfig = (stack: string) => readStackConfig(PROJECT_ROOT, stack);

describe("the policy pack's configuration", () => {
  it("has unique policy names, each described", () => {
    const names = POLICIES.map((p) => p.name);
    assert.equal(new Set(names).size, names.length);
    assert.ok(POLICIES.every((p) => p.description.length > 30));
  });

  for (const stack of ["dev", "prod"]) {
    describe(`policy/config/${stack}.json`, () => {
      const config = loadPackConfig(PROJECT_ROOT, stack);
      const settings = stackConfig(stack);
      const entry = (name: string) => config[name] as Record<string, unknown>;

      it("names only policies of the pack", () => {
        const names = new Set(POLICIES.map((p) => p.name));
        assert.deepEqual(
          Object.keys(config).filter((k) => !names.has(k)),
          [],
        );
      });

      it(`is the one Pulumi.${stack}.yaml makes (npm run policy-config)`, () => {
        assert.deepEqual(config, JSON.parse(JSON.stringify(packConfigFor(settings))));
        const regions = [settings.regions.primary, settings.regions.secondary];
        assert.equal(entry("required-tags").environment, settings.environment);
        assert.deepEqual(entry("allowed-regions").regions, regions);
        assert.equal(
          entry("recovery-objectives").rtoTrafficSeconds,
          settings.targets.rtoTrafficSeconds,
        );
        assert.equal(entry("recovery-objectives").rpoSeconds, settings.targets.rpoSeconds);
      });

      it(
        stack === "dev"
          ? "makes resilience advisory and keeps everything else but cost mandatory"
          : "keeps every policy but cost mandatory",
        () => {
          const resilience = new Set(POLICY_DOMAINS.resilience.map((p) => p.name));
          // A cost is a decision, not a defect: the cost policies advise in every stack.
          const cost = new Set(POLICY_DOMAINS.cost.map((p) => p.name));
          for (const policy of POLICIES) {
            const expected =
              cost.has(policy.name) || (stack === "dev" && resilience.has(policy.name))
                ? "advisory"
                : "mandatory";
            assert.equal(enforcementLevelOf(policy, config), expected, policy.name);
          }
        },
      );
    });
  }

  it("follows the production key, not the stack's name", () => {
    const prod = stackConfig("prod");
    const asProduction = packConfigFor(prod);
    const notProduction = packConfigFor({ ...prod, production: false });
    const resilience = POLICY_DOMAINS.resilience;
    assert.deepEqual(
      resilience.map((policy) => [
        enforcementLevelOf(policy, asProduction),
        enforcementLevelOf(policy, notProduction),
      ]),
      resilience.map(() => ["mandatory", "advisory"]),
    );
    assert.deepEqual(
      [asProduction["data-stores-protected"], notProduction["data-stores-protected"]],
      [{ production: true }, { enforcementLevel: "advisory", production: false }],
    );
  });

  it("lists every policy in docs/policy-pack.md with its level", () => {
    const doc = fs.readFileSync(path.join(PROJECT_ROOT, "docs/policy-pack.md"), "utf8");
    const missing = POLICIES.filter(
      (p) => !new RegExp(`^\\| \`${p.name}\` +\\|`, "m").test(doc),
    ).map((p) => p.name);
    assert.deepEqual(missing, []);
  });
});
