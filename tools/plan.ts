/**
 * `npm run plan -- --stack <name> [--json <file>]`: evaluates a stack offline and prints what
 * `pulumi preview` would create and what the policy pack says of it; `--json` also writes the plan
 * document. Exits 1 when the plan breaks an invariant or a mandatory policy, 2 when the stack or
 * its configuration cannot be evaluated.
 */
import * as fs from "node:fs";
import { parseArgs } from "node:util";
import { ConfigError } from "../model/config";
import * as path from "node:path";
import { POLICIES } from "../policy/policies";
import { evaluate, type EvaluateOptions, PROJECT_ROOT } from "./engine/engine";
import { checkInvariants } from "./engine/invariants";
import { toPlanDocument } from "./engine/plan-document";
import { packConfigFileState, packConfigFor } from "./engine/pack-config";
import { policyConfigFile, runPolicyPack } from "./engine/policy-runner";
import { renderPlan } from "./engine/report";
import { StackFileError } from "./engine/stack-files";

const USAGE = `usage: npm run plan -- --stack <name> [--json <file>]

Evaluates the stack offline (no Pulumi CLI, no AWS account) and prints what pulumi preview would
create, the program's invariants, the policy pack's findings and the recovery budget; --json also
writes the plan document. Exits 0 when the plan is clean, 1 when it breaks an invariant or a
mandatory policy, 2 on bad arguments or a bad stack configuration.`;

export interface PlanIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

const consoleIo: PlanIo = { out: (t) => console.log(t), err: (t) => console.error(t) };

/** Runs the plan command; returns its exit code. `engine` lets tests change what is evaluated. */
export async function runPlan(
  args: readonly string[],
  io: PlanIo = consoleIo,
  engine: Omit<EvaluateOptions, "stack"> = {},
): Promise<number> {
  let stack: string | undefined;
  let json: string | undefined;
  let help: boolean | undefined;
  try {
    ({
      values: { stack, json, help },
    } = parseArgs({
      args: [...args],
      options: {
        stack: { type: "string" },
        json: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }));
  } catch (error) {
    io.err(`error: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (help === true) {
    io.out(USAGE);
    return 0;
  }
  if (stack === undefined) {
    // `npm run plan --stack dev` (no `--`) gives npm the flag, and the script no arguments.
    io.err(
      `error: --stack is required (with npm, the arguments go after --: npm run plan -- --stack dev)\n\n${USAGE}`,
    );
    return 2;
  }
  if (json !== undefined) {
    // Before the evaluation, so that a bad path costs seconds, not a whole plan.
    const folder = path.dirname(path.resolve(json));
    if (!fs.existsSync(folder) || !fs.statSync(folder).isDirectory()) {
      io.err(`error: --json ${json}: the folder ${folder} does not exist`);
      return 2;
    }
    try {
      fs.accessSync(folder, fs.constants.W_OK);
    } catch {
      io.err(`error: --json ${json}: the folder ${folder} is not writable`);
      return 2;
    }
  }

  let evaluation;
  try {
    evaluation = await evaluate({ ...engine, stack });
  } catch (error) {
    if (ConfigError.isConfigError(error) || error instanceof StackFileError) {
      io.err(`error: ${error.message}`);
      return 2;
    }
    throw error;
  }
  const invariants = checkInvariants(evaluation);
  const root = engine.root ?? PROJECT_ROOT;
  // The pack runs with the configuration the stack's own config makes (one source of truth);
  // the plan says when the file pulumi preview reads is missing or stale.
  const pack = await runPolicyPack(POLICIES, evaluation, packConfigFor(evaluation.config));
  const packConfig = {
    file: path.relative(root, policyConfigFile(root, stack)),
    stackFile: `Pulumi.${stack}.yaml`,
    state: packConfigFileState(root, evaluation.config),
  };
  io.out(renderPlan(evaluation, { invariants, pack, packConfig }));
  if (json !== undefined) {
    fs.writeFileSync(json, `${JSON.stringify(toPlanDocument(evaluation, pack), null, 2)}\n`);
    io.out(`\nPlan JSON written to ${json}`);
  }
  const broken =
    invariants.some((i) => i.violations.length > 0) ||
    pack.violations.some((v) => v.enforcementLevel === "mandatory");
  return broken ? 1 : 0;
}

if (require.main === module) {
  runPlan(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error);
      process.exit(2);
    },
  );
}
