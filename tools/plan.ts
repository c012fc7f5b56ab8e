/**
 * `npm run plan -- --stack <name> [--json <file>]`: evaluates a stack offline and prints what
 * `pulumi preview` would create; `--json` also writes the plan document. Exits 1 when the plan
 * breaks an invariant, 2 when the stack or its configuration cannot be evaluated.
 */
import * as fs from "node:fs";
import { parseArgs } from "node:util";
import { ConfigError } from "../components/config";
import { evaluate } from "./engine/engine";
import { checkInvariants } from "./engine/invariants";
import { toPlanDocument } from "./engine/plan-document";
import { renderPlan } from "./engine/report";
import { StackFileError } from "./engine/stack-files";

const USAGE = "usage: npm run plan -- --stack <name> [--json <file>]";

async function main(): Promise<number> {
  let stack: string | undefined;
  let json: string | undefined;
  try {
    ({
      values: { stack, json },
    } = parseArgs({
      options: { stack: { type: "string" }, json: { type: "string" } },
      strict: true,
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (stack === undefined) {
    console.error(`--stack is required\n${USAGE}`);
    return 2;
  }

  let evaluation;
  try {
    evaluation = await evaluate({ stack });
  } catch (error) {
    if (error instanceof ConfigError || error instanceof StackFileError) {
      console.error(`error: ${error.message}`);
      return 2;
    }
    throw error;
  }
  const invariants = checkInvariants(evaluation);
  console.log(renderPlan(evaluation, invariants));
  if (json !== undefined) {
    fs.writeFileSync(json, `${JSON.stringify(toPlanDocument(evaluation), null, 2)}\n`);
    console.log(`\nPlan JSON written to ${json}`);
  }
  return invariants.some((i) => i.violations.length > 0) ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(2);
  },
);
