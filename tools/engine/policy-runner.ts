/**
 * Runs CrossGuard policies the way the Pulumi engine's analyzer host does
 * (@pulumi/policy server.js), offline: props wrapped in `unknownCheckingProxy`, each validation
 * in its own try/catch, `notApplicable` throwing, unknown values downgraded to advisory, the
 * enforcement level and properties taken from the pack config (`--policy-pack-config`).
 * Resource policies see inputs; stack policies see outputs, parents and dependencies.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import {
  type EnforcementLevel,
  type Policies,
  type Policy,
  type PolicyProviderResource,
  type PolicyResource,
  type PolicyResourceOptions,
  type ResourceValidationArgs,
  type ResourceValidationPolicy,
  type StackValidationArgs,
  type StackValidationPolicy,
  unknownCheckingProxy,
  UnknownValueError,
} from "@pulumi/policy";
import type { Evaluation, RecordedResource } from "./engine";

export const PACK_NAME = "payments-dr";
const PACK_VERSION = "0.1.0";
const PACK_DEFAULT_LEVEL: EnforcementLevel = "advisory";

export type PolicyConfigEntry =
  EnforcementLevel | ({ enforcementLevel?: EnforcementLevel } & Record<string, unknown>);
export type PackConfig = Readonly<Record<string, PolicyConfigEntry>>;

export interface PolicyViolation {
  readonly policy: string;
  readonly enforcementLevel: EnforcementLevel;
  readonly urn: string | null;
  readonly message: string;
}

export interface PolicyOutcome {
  readonly violations: readonly PolicyViolation[];
  readonly notApplicable: readonly string[];
}

export interface ResourceUnderTest {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  readonly props: Record<string, unknown>;
  readonly opts?: Partial<PolicyResourceOptions>;
  readonly provider?: PolicyProviderResource;
}

export interface StackResourceUnderTest extends ResourceUnderTest {
  /** URN of the parent resource. */
  readonly parent?: string;
  readonly dependencies?: readonly string[];
}

export interface RunOptions {
  readonly config?: PackConfig;
  readonly stackTags?: ReadonlyMap<string, string>;
}

class NotApplicableError extends Error {
  constructor(readonly reason: string | undefined) {
    super(reason);
  }
}

const throwNotApplicable = (reason?: string): never => {
  throw new NotApplicableError(reason);
};

export function enforcementLevelOf(policy: Policy, config: PackConfig = {}): EnforcementLevel {
  const entry = config[policy.name];
  const configured = typeof entry === "string" ? entry : entry?.enforcementLevel;
  const level = configured ?? policy.enforcementLevel ?? PACK_DEFAULT_LEVEL;
  return level === "remediate" ? "mandatory" : level;
}

function configGetter(policy: Policy, config: PackConfig = {}) {
  return <T extends object>(): T => {
    const entry = config[policy.name];
    if (entry === undefined || typeof entry === "string") {
      return {} as T;
    }
    const { enforcementLevel: _level, ...properties } = entry;
    return properties as T;
  };
}

const isResourcePolicy = (p: Policy): p is ResourceValidationPolicy => "validateResource" in p;
const isStackPolicy = (p: Policy): p is StackValidationPolicy => "validateStack" in p;

function options(opts: Partial<PolicyResourceOptions> | undefined): PolicyResourceOptions {
  return {
    protect: false,
    ignoreChanges: [],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
    ...opts,
  };
}

/** Props as the engine delivers them: a fresh copy, behind the unknown-checking proxy. */
function engineProps(props: Record<string, unknown>): Record<string, unknown> {
  return unknownCheckingProxy(structuredClone(props)) as Record<string, unknown>;
}

function engineProvider(provider: PolicyProviderResource): PolicyProviderResource {
  return { ...provider, props: engineProps(provider.props) };
}

async function guarded(
  policy: Policy,
  outcome: { violations: PolicyViolation[]; notApplicable: string[] },
  validate: () => unknown,
): Promise<void> {
  try {
    await Promise.resolve(validate());
  } catch (error) {
    const from = `policy '${policy.name}' from policy pack '${PACK_NAME}@v${PACK_VERSION}'`;
    if (error instanceof UnknownValueError) {
      outcome.violations.push({
        policy: policy.name,
        enforcementLevel: "advisory",
        urn: null,
        message: `can't run ${from} during preview: ${(error as Error).message}`,
      });
    } else if (error instanceof NotApplicableError) {
      outcome.notApplicable.push(`${policy.name}: ${error.reason ?? "not applicable"}`);
    } else {
      throw new Error(`Error validating resource with ${from}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
}

export async function runResourcePolicy(
  policy: ResourceValidationPolicy,
  resource: ResourceUnderTest,
  run: RunOptions = {},
): Promise<PolicyOutcome> {
  const outcome = { violations: [] as PolicyViolation[], notApplicable: [] as string[] };
  const level = enforcementLevelOf(policy, run.config);
  if (level === "disabled" || policy.validateResource === undefined) {
    return outcome;
  }
  const validations = Array.isArray(policy.validateResource)
    ? policy.validateResource
    : [policy.validateResource];
  for (const validation of validations) {
    const props = engineProps(resource.props);
    const args: ResourceValidationArgs = {
      type: resource.type,
      props,
      urn: resource.urn,
      name: resource.name,
      opts: options(resource.opts),
      stackTags: run.stackTags ?? new Map(),
      isType: () => false,
      asType: () => undefined,
      getConfig: configGetter(policy, run.config),
      notApplicable: throwNotApplicable,
      ...(resource.provider !== undefined ? { provider: engineProvider(resource.provider) } : {}),
    };
    await guarded(policy, outcome, () =>
      validation(args, (message, urn) =>
        outcome.violations.push({
          policy: policy.name,
          enforcementLevel: level,
          urn: urn ?? resource.urn,
          message,
        }),
      ),
    );
  }
  return outcome;
}

export async function runStackPolicy(
  policy: StackValidationPolicy,
  resources: readonly StackResourceUnderTest[],
  run: RunOptions = {},
): Promise<PolicyOutcome> {
  const outcome = { violations: [] as PolicyViolation[], notApplicable: [] as string[] };
  const level = enforcementLevelOf(policy, run.config);
  if (level === "disabled") {
    return outcome;
  }
  const byUrn = new Map<string, PolicyResource>();
  const policyResources = resources.map((r) => {
    const resource: PolicyResource = {
      type: r.type,
      props: engineProps(r.props),
      urn: r.urn,
      name: r.name,
      opts: options(r.opts),
      dependencies: [],
      propertyDependencies: {},
      isType: () => false,
      asType: () => undefined,
      ...(r.provider !== undefined ? { provider: engineProvider(r.provider) } : {}),
    };
    byUrn.set(r.urn, resource);
    return resource;
  });
  resources.forEach((r, i) => {
    const parent = r.parent === undefined ? undefined : byUrn.get(r.parent);
    if (parent !== undefined) {
      policyResources[i].parent = parent;
    }
    policyResources[i].dependencies = (r.dependencies ?? [])
      .map((u) => byUrn.get(u))
      .filter((d): d is PolicyResource => d !== undefined);
  });
  const args: StackValidationArgs = {
    resources: policyResources,
    stackTags: run.stackTags ?? new Map(),
    getConfig: configGetter(policy, run.config),
    notApplicable: throwNotApplicable,
  };
  await guarded(policy, outcome, () =>
    policy.validateStack(args, (message, urn) =>
      outcome.violations.push({
        policy: policy.name,
        enforcementLevel: level,
        urn: urn ?? null,
        message,
      }),
    ),
  );
  return outcome;
}

/** The provider of a recorded resource, as the engine describes it to policies. */
function providerOf(
  evaluation: Evaluation,
  resource: RecordedResource,
): PolicyProviderResource | undefined {
  if (resource.provider === "") {
    return undefined;
  }
  const urn = resource.provider.slice(0, resource.provider.lastIndexOf("::"));
  const provider = evaluation.resources.find((r) => r.urn === urn);
  return provider === undefined
    ? undefined
    : {
        type: provider.type,
        props: { ...provider.rawInputs },
        urn: provider.urn,
        name: provider.name,
      };
}

export interface PackResult {
  readonly policies: readonly {
    readonly policy: string;
    readonly enforcementLevel: EnforcementLevel;
  }[];
  readonly violations: readonly PolicyViolation[];
}

const LEVEL_ORDER: Readonly<Record<string, number>> = {
  mandatory: 0,
  remediate: 0,
  advisory: 1,
  disabled: 2,
};

/** Runs the whole pack against an offline evaluation: every resource, then the stack. */
export async function runPolicyPack(
  policies: Policies,
  evaluation: Evaluation,
  config: PackConfig = {},
): Promise<PackResult> {
  const run: RunOptions = {
    config,
    stackTags: new Map([
      ["pulumi:project", evaluation.project],
      ["pulumi:runtime", "nodejs"],
    ]),
  };
  const analyzed = evaluation.resources.filter((r) => r.type !== "pulumi:pulumi:Stack");
  const violations: PolicyViolation[] = [];
  for (const policy of policies) {
    if (isResourcePolicy(policy)) {
      for (const r of analyzed) {
        const provider = providerOf(evaluation, r);
        const resource = {
          type: r.type,
          name: r.name,
          urn: r.urn,
          props: { ...r.rawInputs },
          opts: { protect: r.options.protect, ignoreChanges: [...r.options.ignoreChanges] },
          ...(provider ? { provider } : {}),
        };
        violations.push(...(await runResourcePolicy(policy, resource, run)).violations);
      }
    } else if (isStackPolicy(policy)) {
      const resources = evaluation.resources.map((r) => {
        const provider = providerOf(evaluation, r);
        return {
          type: r.type,
          name: r.name,
          urn: r.urn,
          // A bridged provider's outputs carry the resource's id as `id` (what a Selection's
          // planId, for one, refers to).
          props: r.custom ? { ...r.outputs, id: r.id } : { ...r.outputs },
          opts: { protect: r.options.protect, ignoreChanges: [...r.options.ignoreChanges] },
          ...(r.parent !== null ? { parent: r.parent } : {}),
          dependencies: [...r.options.dependsOn],
          ...(provider ? { provider } : {}),
        };
      });
      violations.push(...(await runStackPolicy(policy, resources, run)).violations);
    }
  }
  violations.sort(
    (a, b) => (LEVEL_ORDER[a.enforcementLevel] ?? 3) - (LEVEL_ORDER[b.enforcementLevel] ?? 3),
  );
  return {
    policies: policies.map((p) => ({
      policy: p.name,
      enforcementLevel: enforcementLevelOf(p, config),
    })),
    violations,
  };
}

/** The stack's policy config (what CI passes as --policy-pack-config), or none. */
export function policyConfigFile(root: string, stack: string): string {
  return path.join(root, "policy", "config", `${stack}.json`);
}

export function loadPackConfig(root: string, stack: string): PackConfig {
  const file = policyConfigFile(root, stack);
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as PackConfig) : {};
}
