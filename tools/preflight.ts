/**
 * `npm run preflight -- --stack <name>`: before a stack's `pulumi up`, asks the operator's AWS
 * account (the SDK's default credentials: AWS_PROFILE, AWS_ACCESS_KEY_ID, …) whether it can take
 * what the stack's offline plan deploys, with read-only calls (Get, List, Describe):
 *
 *   1. the credentials' account is one of allowedAccountIds;
 *   2. each region's Lambda concurrency quota holds the stack's reservations and the 100 Lambda
 *      keeps unreserved, also with what other functions reserve;
 *   3. both regions offer the Aurora engine version, available, with global database support;
 *   4. each interface endpoint service is offered in the zones the VPC takes;
 *   5. AWS Backup has advanced DynamoDB backup and the Aurora opt-in where the backups need them;
 *   6. the hosted zone is public, named dnsZoneName and delegated (the public DNS answers its name
 *      servers) — once it exists, when the stack creates it;
 *   7. with ARC routing controls, once deployed, every control is On.
 *
 * One line per check: `✓` passed, `✗` failed (with its fix), `·` not applicable yet. Exits 0 when
 * nothing failed, 1 when a check failed (an AWS call that failed fails its check), 2 on bad usage
 * or a bad stack configuration, in which case nothing was called.
 */
import * as dns from "node:dns";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { evaluate, type Evaluation } from "./engine/engine";
import { invocationError, stackArgument, UsageError } from "./cli";
import { type PreflightAws, sdkClients } from "./preflight/aws";
import { checkAccount } from "./preflight/account";
import { checkRoutingControls } from "./preflight/arc";
import { checkAuroraVersion } from "./preflight/aurora";
import { checkBackupSettings } from "./preflight/backup";
import { checkEndpointServices } from "./preflight/endpoints";
import { checkHostedZone, type ResolveNs } from "./preflight/hosted-zone";
import { checkLambdaConcurrency } from "./preflight/lambda";
import { stackRequirements } from "./preflight/requirements";
import { type CheckResult, describeError } from "./preflight/result";

const PROJECT_ROOT = path.resolve(__dirname, "..");

const USAGE = `usage: npm run preflight -- --stack <stack>

Checks, with read-only calls and the AWS credentials of the SDK's default chain (AWS_PROFILE, …),
that the account can take the stack: allowed account, Lambda concurrency quota, Aurora version,
interface endpoint services in the VPC's zones, AWS Backup settings, hosted zone delegation and,
with ARC routing controls, their states. Exits 0 when every check passed, 1 when one failed, 2 on
bad usage or a bad stack configuration (nothing called then).`;

export interface PreflightDeps {
  /** The AWS clients: the SDK's (sdkClients) in the CLI, pointed at a local stub in the tests. */
  readonly aws: PreflightAws;
  /** The public DNS's NS answer for a name: node:dns's in the CLI. */
  readonly resolveNs: ResolveNs;
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** The project whose Pulumi.yaml and stack files are read; this repository by default. */
  readonly root?: string;
  /** The stack's offline plan (the engine's evaluation by default). */
  readonly plan?: (stack: string) => Promise<Evaluation>;
}

const MARKS: Record<CheckResult["verdict"], string> = { pass: "✓", fail: "✗", skip: "·" };

function formatResult(result: CheckResult): string {
  const line = `${MARKS[result.verdict]} ${result.line}`;
  return result.fix === undefined ? line : `${line} — fix: ${result.fix}`;
}

/** The stack named by the arguments, its configuration checked: everything before a call. */
function parseInvocation(argv: readonly string[], root: string): string {
  let stack: string | undefined;
  try {
    ({
      values: { stack },
    } = parseArgs({ args: [...argv], options: { stack: { type: "string" } }, strict: true }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  return stackArgument(root, stack).stack;
}

/** Runs the preflight; returns its exit code. */
export async function runPreflight(argv: readonly string[], deps: PreflightDeps): Promise<number> {
  if (argv.includes("--help")) {
    deps.out(USAGE);
    return 0;
  }
  const root = deps.root ?? PROJECT_ROOT;
  let evaluation: Evaluation;
  try {
    const stack = parseInvocation(argv, root);
    evaluation = await (deps.plan ?? ((name) => evaluate({ stack: name, root })))(stack);
  } catch (error) {
    deps.err(
      invocationError(error, USAGE) ?? `error: the offline plan failed: ${describeError(error)}`,
    );
    return 2;
  }

  const req = stackRequirements(evaluation);
  const { primary, secondary } = req.regions;
  deps.out(
    `Preflight of stack ${req.stack} (${primary} primary, ${secondary} secondary), read-only:`,
  );
  const results: CheckResult[] = [];
  const report = (found: readonly CheckResult[]) => {
    for (const result of found) {
      results.push(result);
      deps.out(formatResult(result));
    }
  };

  const { result: account, account: accountId } = await checkAccount(req, deps.aws);
  report([account]);
  if (account.verdict === "fail") {
    deps.out(
      accountId === undefined
        ? "\nThe other checks need the account's answers; they were not run."
        : `\nThe other checks were not run: they would describe account ${accountId}.`,
    );
    return 1;
  }
  for (const region of req.perRegion) {
    report(await checkLambdaConcurrency(region, deps.aws));
  }
  report(await checkAuroraVersion(req, deps.aws));
  for (const region of req.perRegion) {
    report(await checkEndpointServices(region, deps.aws));
  }
  for (const region of req.perRegion) {
    report(await checkBackupSettings(region, deps.aws));
  }
  report(await checkHostedZone(req, deps.aws, deps.resolveNs));
  if (req.arc !== undefined) {
    report(await checkRoutingControls(req.arc, deps.aws));
  }

  const count = (verdict: CheckResult["verdict"]) =>
    results.filter((r) => r.verdict === verdict).length;
  const failed = count("fail");
  deps.out(
    `\nPreflight: ${count("pass")} checks passed, ${failed} failed, ${count("skip")} not applicable yet.`,
  );
  return failed === 0 ? 0 : 1;
}

/**
 * The public DNS's NS answer through the machine's resolver (Node.js, dns.promises.Resolver
 * resolveNs: https://nodejs.org/api/dns.html#resolverresolvenshostname).
 */
function systemResolveNs(name: string): Promise<string[]> {
  return new dns.promises.Resolver().resolveNs(name);
}

async function main(argv: readonly string[]): Promise<number> {
  const aws = sdkClients();
  try {
    return await runPreflight(argv, {
      aws,
      resolveNs: systemResolveNs,
      out: (text) => console.log(text),
      err: (text) => console.error(text),
    });
  } finally {
    aws.destroy();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      console.error(`error: ${describeError(error)}`);
      process.exitCode = 1;
    },
  );
}
