/**
 * The offline engine: evaluates the Pulumi program under `pulumi.runtime.setMocks` with a stack's
 * own configuration and records every registration the way the Pulumi engine would see it
 * (URN, parent, provider, region, inputs, options). Shared by the tests and the plan command.
 *
 * Evaluations run one at a time in one process: each gets a fresh mock monitor, a fresh config
 * and a fresh load of the program's own modules.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as rpc from "@pulumi/pulumi/runtime/rpc";
import * as settings from "@pulumi/pulumi/runtime/settings";
import { type StackConfig, parseStackConfig, type RawConfig } from "../../model/config";
import { AWS_REGIONS, isGlobalServiceType } from "../../model/regions";
import { madeUpValues } from "./made-up";
import { type AwsContext, mockInvoke, mockResourceState } from "./aws-attributes";
import {
  type ProjectFile,
  projectKeys,
  readProject,
  readStackSettings,
  type StackSettings,
} from "./stack-files";

export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");
const ROOT_STACK_TYPE = "pulumi:pulumi:Stack";
const AWS_PROVIDER_TYPE = "pulumi:providers:aws";
/** The account ARNs are built in when the stack does not pin one (AWS documentation's example). */
const DEFAULT_ACCOUNT_ID = "111122223333";

export interface ResourceOptions {
  readonly protect: boolean;
  readonly retainOnDelete: boolean;
  readonly ignoreChanges: readonly string[];
  readonly dependsOn: readonly string[];
  /** The URNs the resource answers to from earlier versions of the program (resolved aliases). */
  readonly aliases: readonly string[];
}

export interface RecordedResource {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly custom: boolean;
  readonly parent: string | null;
  /** Provider reference (`<urn>::<id>`), or "" when none was given (the default provider). */
  readonly provider: string;
  /** The region the resource lives in; null for components and global services. */
  readonly region: string | null;
  /** Inputs as registered, secrets as "[secret]", assets summarised: safe to print or store. */
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly options: ResourceOptions;
  /** Inputs with secrets revealed and assets as objects, for tests that inspect them. */
  readonly rawInputs: Readonly<Record<string, unknown>>;
  /** The AWS region this resource is placed in through its provider, components included. */
  readonly placement: string | null;
  /** The id the mocks gave the resource ("" for components). */
  id: string;
  /** Outputs (inputs plus what AWS computes) as the mocks answered, secrets revealed. */
  outputs: Readonly<Record<string, unknown>>;
  /** Every resource this one waits for: explicit dependsOn and the resources its inputs use. */
  readonly dependencies: readonly string[];
  /** A component implemented by another plugin (awsx): it gets providers only explicitly. */
  readonly remote: boolean;
  /** The aws provider reference passed to a component in `providers`, or "". */
  readonly componentAwsProvider: string;
}

export interface RecordedInvoke {
  readonly token: string;
  readonly provider: string;
}

export interface Evaluation {
  readonly project: string;
  readonly stack: string;
  readonly config: StackConfig;
  readonly resources: readonly RecordedResource[];
  readonly invokes: readonly RecordedInvoke[];
  readonly outputs: Readonly<Record<string, unknown>>;
  /** The values the engine made up for attributes AWS assigns (tools/engine/made-up.ts). */
  readonly madeUp: ReadonlySet<string>;
}

export type Program = () => unknown;

export interface EvaluateOptions {
  readonly stack: string;
  /** The program to run; by default the project's index.ts, loaded fresh. */
  readonly program?: Program;
  /** Replaces or adds raw config values (bare keys) on top of the stack file, for tests. */
  readonly configOverrides?: RawConfig;
  readonly root?: string;
  /** Receives every registration as it happens, also when the program then fails. */
  readonly sink?: RecordedResource[];
  /**
   * Answers an invoke differently from tools/engine/aws-attributes.ts, for tests: an account whose
   * zones offer fewer services, say. Given the invoke's inputs and the provider's region.
   */
  readonly invokeOverrides?: Readonly<
    Record<string, (inputs: Record<string, unknown>, region: string) => Record<string, unknown>>
  >;
}

/** The program's own modules: what `pulumi up` loads, apart from packages. */
const PROGRAM_PATHS = ["index.ts", "components", "handlers"];

interface ArboristClass {
  prototype: { path: string; loadActual(options?: unknown): Promise<unknown> };
}

/**
 * CallbackFunction works out which packages to upload by reading the whole node_modules tree
 * (@npmcli/arborist's loadActual), once per function: a quarter of the evaluation here. The tree
 * does not change while a process runs, so the engine reads it once per folder. The plan is the
 * same; only the repeated reads go.
 */
function readDependencyTreesOnce(): void {
  const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Arborist } = require(require.resolve("@npmcli/arborist", { paths: [pulumiDir] })) as {
    Arborist: ArboristClass;
  };
  const marker = Symbol.for("payments-dr.engine.dependencyTreeCache");
  const proto = Arborist.prototype as ArboristClass["prototype"] & { [marker]?: true };
  if (proto[marker] === true) {
    return;
  }
  const loadActual = proto.loadActual;
  const trees = new Map<string, Promise<unknown>>();
  proto.loadActual = function (this: { path: string }, options?: unknown) {
    const key = path.resolve(this.path);
    let tree = trees.get(key);
    if (tree === undefined) {
      tree = loadActual.call(this, options);
      trees.set(key, tree);
    }
    return tree;
  };
  proto[marker] = true;
}

/**
 * Serialized handlers by their name, source and options, across evaluations. Every CallbackFunction
 * callback of the program is a named, module-level export of handlers/ (components pass
 * `callback: paymentsApiHandler` and the like), whose module the engine loads fresh for each
 * evaluation: the same source in the same fresh module serializes to the same text, whatever the
 * stack (handlers read their configuration from the environment at run time). Closure
 * serialization, which walks every function through the V8 inspector, is most of an evaluation's
 * time; the suite evaluates the program a few dozen times.
 */
const serializedBySource = new Map<string, Promise<unknown>>();

/**
 * Each region's tier inlines the same handler functions, and closure serialization gives the same
 * text for the same function and options. The engine serializes each (function, options) once per
 * evaluation, and each named handler once per process (serializedBySource); the code archives are
 * unchanged.
 */
function serializeEachFunctionOnce(): () => void {
  const runtime = pulumi.runtime as {
    serializeFunction: (func: unknown, args?: Record<string, unknown>) => Promise<unknown>;
  };
  const serialize = runtime.serializeFunction;
  const done = new WeakMap<object, Map<string, Promise<unknown>>>();
  runtime.serializeFunction = (func: unknown, args: Record<string, unknown> = {}) => {
    if (typeof func !== "function") {
      return serialize(func, args);
    }
    // The `serialize` filter is a fresh function each call: its source stands for it.
    const key = JSON.stringify({ ...args, serialize: String(args.serialize) });
    let byOptions = done.get(func);
    if (byOptions === undefined) {
      byOptions = new Map();
      done.set(func, byOptions);
    }
    let result = byOptions.get(key);
    if (result === undefined) {
      const source = func.name === "" ? undefined : `${func.name}\n${String(func)}\n${key}`;
      result = source === undefined ? undefined : serializedBySource.get(source);
      if (result === undefined) {
        const serialized = serialize(func, args);
        result = serialized;
        if (source !== undefined) {
          serializedBySource.set(source, serialized);
          serialized.catch(() => serializedBySource.delete(source));
        }
      }
      byOptions.set(key, result);
    }
    return result;
  };
  return () => {
    runtime.serializeFunction = serialize;
  };
}

/** Loads the project's index.ts afresh, as `pulumi up` does: its modules re-run every time. */
function projectProgram(root: string): Program {
  const programFiles = PROGRAM_PATHS.map((p) => path.join(root, p));
  return () => {
    for (const file of Object.keys(require.cache)) {
      if (programFiles.some((p) => file === p || file.startsWith(`${p}${path.sep}`))) {
        Reflect.deleteProperty(require.cache, file);
      }
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const exported: unknown = require(path.join(root, "index.ts"));
    return typeof exported === "function" ? (exported as () => unknown)() : exported;
  };
}

/** The URN the Pulumi engine gives: the parent's type chain, without the root stack. */
function engineUrn(
  project: string,
  stack: string,
  parent: string,
  type: string,
  name: string,
): string {
  let qualifiedType = type;
  if (parent !== "") {
    const parentType = parent.split("::")[2];
    if (parentType !== ROOT_STACK_TYPE) {
      qualifiedType = `${parentType}$${type}`;
    }
  }
  return `urn:pulumi:${stack}::${project}::${qualifiedType}::${name}`;
}

/**
 * The strings an encrypted config value stands for offline (a list's items one by one). Numbers,
 * booleans and short strings are left out: they cannot be told apart from other values.
 */
function secretStandIns(settings: StackSettings): string[] {
  return settings.secretKeys
    .map((key) => settings.config[key])
    .flatMap((value) => {
      try {
        const parsed: unknown = JSON.parse(value);
        return Array.isArray(parsed) ? parsed.map(String) : [];
      } catch {
        return [value];
      }
    })
    .filter((value) => value !== "[secret]" && value.length >= 6);
}

/** Every occurrence of a secret's stand-in in a printable value replaced with "[secret]". */
function maskSecrets(value: unknown, secrets: readonly string[]): unknown {
  if (secrets.length === 0) {
    return value;
  }
  if (typeof value === "string") {
    return secrets.reduce((text, secret) => text.split(secret).join("[secret]"), value);
  }
  if (Array.isArray(value)) {
    return value.map((item) => maskSecrets(item, secrets));
  }
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskSecrets(v, secrets)]));
  }
  return value;
}

/** Turns serialized property values into plain, printable JSON. */
export function redact(value: unknown): unknown {
  if (value === rpc.unknownValue) {
    return "[unknown]";
  }
  if (Array.isArray(value)) {
    return value.map(redact);
  }
  if (typeof value !== "object" || value === null) {
    return value;
  }
  const object = value as Record<string, unknown>;
  switch (object[rpc.specialSigKey]) {
    case rpc.specialSecretSig:
      return "[secret]";
    case rpc.specialResourceSig:
      return object.urn;
    case rpc.specialAssetSig:
      return typeof object.text === "string"
        ? `[asset: ${Buffer.byteLength(object.text)} bytes]`
        : `[asset: ${String(object.path ?? object.uri)}]`;
    case rpc.specialArchiveSig:
      if (object.assets !== undefined) {
        return { archive: redact(object.assets) };
      }
      return `[archive: ${String(object.path ?? object.uri)}]`;
    default:
      return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, redact(v)]));
  }
}

/** Serialized values with secrets unwrapped and references as URNs; assets stay as they are. */
function reveal(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(reveal);
  }
  if (typeof value !== "object" || value === null) {
    return value;
  }
  const object = value as Record<string, unknown>;
  switch (object[rpc.specialSigKey]) {
    case rpc.specialSecretSig:
      return reveal(object.value);
    case rpc.specialResourceSig:
      return object.urn;
    case rpc.specialAssetSig:
    case rpc.specialArchiveSig:
      return object;
    default:
      return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, reveal(v)]));
  }
}

/** Provider inputs arrive as the engine sees them: nested objects as JSON strings. */
export function providerDefaultTags(
  providerInputs: Readonly<Record<string, unknown>> | undefined,
): Record<string, string> {
  const value = providerInputs?.defaultTags;
  const parsed = (typeof value === "string" ? JSON.parse(value) : value) as
    { tags?: Record<string, string> } | undefined;
  return parsed?.tags ?? {};
}

function providerUrn(reference: string): string {
  return reference.slice(0, reference.lastIndexOf("::"));
}

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getRemote(): boolean;
  getProvider(): string;
  getProvidersMap(): { get(key: string): string | undefined };
  getObject(): { toJavaScript(): Record<string, unknown> };
  getProtect(): boolean;
  getRetainondelete(): boolean;
  getIgnorechangesList(): string[];
  getDependenciesList(): string[];
  getPropertydependenciesMap(): { forEach(cb: (deps: { getUrnsList(): string[] }) => void): void };
  getAliasesList(): AliasMessage[];
  getAliasurnsList(): string[];
}

/** An alias as the SDK sends it (proto/alias.proto): a URN, or a spec the engine completes. */
interface AliasMessage {
  getUrn(): string;
  getSpec():
    | {
        getName(): string;
        getType(): string;
        getStack(): string;
        getProject(): string;
        getParenturn(): string;
        getNoparent(): boolean;
      }
    | undefined;
}

interface MockMonitorInternals {
  readonly resources: Map<string, { id: string | null; state: unknown }>;
  newUrn(parent: string, type: string, name: string): string;
  registerResource(request: RegisterRequest, callback: unknown): Promise<void>;
  registerResourceOutputs(
    request: { getUrn(): string; getOutputs(): { toJavaScript(): Record<string, unknown> } },
    callback: unknown,
  ): void;
}

/** The account ARNs are built in: the first allowed account id, when the stack pins one. */
function pinnedAccount(raw: RawConfig): string | undefined {
  try {
    const ids: unknown = JSON.parse(raw.allowedAccountIds ?? "[]");
    return Array.isArray(ids) && typeof ids[0] === "string" ? ids[0] : undefined;
  } catch {
    return undefined;
  }
}

class Recorder {
  readonly invokes: RecordedInvoke[] = [];
  private readonly byUrn = new Map<string, RecordedResource>();
  stackOutputs: Record<string, unknown> = {};

  constructor(
    private readonly stack: string,
    readonly account: string,
    readonly resources: RecordedResource[],
    /** Offline stand-ins of encrypted config values: printed as "[secret]", never as themselves. */
    private readonly secrets: readonly string[] = [],
  ) {}

  /** A serialized value as it may be printed or stored: redacted, stand-ins of secrets masked. */
  printable(value: unknown): unknown {
    return maskSecrets(redact(value), this.secrets);
  }

  private providerRecord(reference: string): RecordedResource | undefined {
    return reference === "" ? undefined : this.byUrn.get(providerUrn(reference));
  }

  /** Region and default tags of the resource's provider, for its mocked attributes. */
  awsContext(providerReference: string, inputs: Record<string, unknown>): AwsContext {
    const provider = this.providerRecord(providerReference)?.rawInputs;
    const ownRegion = typeof inputs.region === "string" ? inputs.region : undefined;
    const providerRegion = typeof provider?.region === "string" ? provider.region : undefined;
    return {
      region: ownRegion ?? providerRegion,
      accountId: this.account,
      stack: this.stack,
      defaultTags: providerDefaultTags(provider),
    };
  }

  /**
   * The URNs a resource's aliases stand for, resolved as the engine does (pkg/resource/deploy,
   * alias specs): a spec's empty fields take the resource's own name, type, stack and project, and
   * its parent is the given parent URN, none with noParent, or else the resource's own parent.
   */
  aliasUrns(request: RegisterRequest, project: string): string[] {
    const fromSpecs = request.getAliasesList().map((alias) => {
      const spec = alias.getSpec();
      if (spec === undefined) {
        return alias.getUrn();
      }
      const parent = spec.getNoparent() ? "" : spec.getParenturn() || request.getParent();
      return engineUrn(
        spec.getProject() || project,
        spec.getStack() || this.stack,
        parent,
        spec.getType() || request.getType(),
        spec.getName() || request.getName(),
      );
    });
    return [...new Set([...fromSpecs, ...request.getAliasurnsList()])];
  }

  record(request: RegisterRequest, urn: string, project: string): RecordedResource {
    const type = request.getType();
    const custom = request.getCustom();
    const parent = request.getParent() === "" ? null : request.getParent();
    const serialized = request.getObject().toJavaScript();
    const rawInputs = reveal(serialized) as Record<string, unknown>;
    const provider = request.getProvider();

    const implicit = new Set<string>();
    request
      .getPropertydependenciesMap()
      .forEach((deps) => deps.getUrnsList().forEach((u) => implicit.add(u)));

    const ownRegion = typeof rawInputs.region === "string" ? rawInputs.region : undefined;
    const providerRegion = this.providerRecord(provider)?.rawInputs.region as string | undefined;
    const componentProvider = custom ? undefined : request.getProvidersMap().get("aws");
    const parentPlacement = parent === null ? null : (this.byUrn.get(parent)?.placement ?? null);

    let region: string | null = null;
    let placement: string | null;
    if (type === AWS_PROVIDER_TYPE) {
      region = (rawInputs.region as string | undefined) ?? null;
      placement = region;
    } else if (!custom) {
      placement =
        componentProvider !== undefined
          ? ((this.providerRecord(componentProvider)?.rawInputs.region as string | undefined) ??
            null)
          : parentPlacement;
    } else if (!type.startsWith("aws:")) {
      // Resources of region-less providers (random, …) belong where their component is.
      placement = parentPlacement;
    } else {
      const where = ownRegion ?? providerRegion ?? null;
      region = isGlobalServiceType(type) ? null : where;
      placement = where;
    }

    const resource: RecordedResource = {
      urn,
      type,
      name: request.getName(),
      custom,
      parent,
      provider,
      region,
      inputs: this.printable(serialized) as Record<string, unknown>,
      options: {
        protect: request.getProtect(),
        retainOnDelete: request.getRetainondelete(),
        ignoreChanges: request.getIgnorechangesList(),
        dependsOn: request.getDependenciesList().filter((u) => !implicit.has(u)),
        aliases: this.aliasUrns(request, project),
      },
      rawInputs,
      placement,
      id: "",
      outputs: {},
      dependencies: request.getDependenciesList(),
      remote: request.getRemote(),
      componentAwsProvider: componentProvider ?? "",
    };
    this.resources.push(resource);
    this.byUrn.set(urn, resource);
    return resource;
  }
}

let running = false;

/** Evaluates one stack of the program offline and returns everything it registered. */
export async function evaluate(options: EvaluateOptions): Promise<Evaluation> {
  if (running) {
    throw new Error("offline evaluations run one at a time; await the previous one");
  }
  running = true;
  try {
    return await evaluateOnce(options);
  } finally {
    running = false;
  }
}

async function evaluateOnce(options: EvaluateOptions): Promise<Evaluation> {
  const root = options.root ?? PROJECT_ROOT;
  const project: ProjectFile = readProject(root);
  const stackSettings = readStackSettings(root, project, options.stack);
  const values: Record<string, string> = { ...stackSettings.config };
  for (const [key, value] of Object.entries(options.configOverrides ?? {})) {
    if (value !== undefined) {
      values[`${project.name}:${key}`] = value;
    }
  }
  const raw: RawConfig = projectKeys(project, values);
  const recorder = new Recorder(
    options.stack,
    pinnedAccount(raw) ?? DEFAULT_ACCOUNT_ID,
    options.sink ?? [],
    secretStandIns(stackSettings),
  );

  pulumi.runtime.setAllConfig(values, [...stackSettings.secretKeys]);
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        const context = recorder.awsContext(args.provider ?? "", args.inputs);
        const inputs = reveal(args.inputs) as Record<string, unknown>;
        return mockResourceState(args.type, args.name, inputs, context);
      },
      call: (args) => {
        recorder.invokes.push({ token: args.token, provider: args.provider ?? "" });
        const context = recorder.awsContext(args.provider ?? "", {});
        const override = options.invokeOverrides?.[args.token];
        return override === undefined
          ? mockInvoke(args.token, args.inputs, context)
          : override(args.inputs as Record<string, unknown>, context.region ?? "us-east-1");
      },
    },
    project.name,
    options.stack,
    false,
  );

  const monitor = settings.getMonitor() as unknown as MockMonitorInternals;
  monitor.newUrn = (parent, type, name) =>
    engineUrn(project.name, options.stack, parent, type, name);
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = async (request, callback) => {
    const urn = monitor.newUrn(request.getParent(), request.getType(), request.getName());
    const resource = recorder.record(request, urn, project.name);
    await register(request, callback);
    const registered = monitor.resources.get(urn);
    resource.id = registered?.id ?? "";
    resource.outputs = reveal(registered?.state ?? {}) as Record<string, unknown>;
  };
  const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
  monitor.registerResourceOutputs = (request, callback) => {
    if (request.getUrn().split("::")[2] === ROOT_STACK_TYPE) {
      recorder.stackOutputs = recorder.printable(request.getOutputs().toJavaScript()) as Record<
        string,
        unknown
      >;
    }
    registerOutputs(request, callback);
  };

  // Failures inside resource constructors surface as unhandled rejections, as under the CLI.
  const failures: unknown[] = [];
  const onFailure = (error: unknown) => failures.push(error);
  process.on("unhandledRejection", onFailure);
  const program = options.program ?? projectProgram(root);
  readDependencyTreesOnce();
  const restoreSerialization = serializeEachFunctionOnce();
  // Pulumi records a stack trace for every promise it tracks; under ts-node each one would be
  // source-mapped, which dominates evaluation time. Evaluate with V8's own stack formatting.
  const errors = Error as { prepareStackTrace?: unknown };
  const { stackTraceLimit } = Error;
  const prepareStackTrace = errors.prepareStackTrace;
  errors.prepareStackTrace = undefined;
  // The recorded stacks serve only Pulumi's promise-leak report; capturing them is most of the cost.
  Error.stackTraceLimit = 0;
  await pulumi.runtime
    .runInPulumiStack(async () => (await program()) as Record<string, unknown>)
    .catch(onFailure);
  await (settings as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs().catch(onFailure);
  // Rejections of a failed program settle on later turns; collect them before letting go.
  await new Promise((resolve) => setImmediate(resolve));
  process.off("unhandledRejection", onFailure);
  restoreSerialization();
  errors.prepareStackTrace = prepareStackTrace;
  Error.stackTraceLimit = stackTraceLimit;
  if (failures.length > 0) {
    throw failures[0];
  }

  return {
    project: project.name,
    stack: options.stack,
    config: parseStackConfig(raw, { project: project.name, stack: options.stack }),
    resources: recorder.resources,
    invokes: recorder.invokes,
    outputs: recorder.stackOutputs,
    madeUp: madeUpValues(recorder.resources, [recorder.account, ...AWS_REGIONS], (value) =>
      recorder.printable(value),
    ),
  };
}
