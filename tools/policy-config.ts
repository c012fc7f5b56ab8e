/**
 * `npm run policy-config`: writes policy/config/<stack>.json for every stack file
 * (Pulumi.<stack>.yaml), derived from the stack's configuration (tools/engine/pack-config.ts), in
 * the project's Prettier style. `pulumi preview --policy-pack-config policy/config/<stack>.json`
 * reads them; a test fails when a committed file and its stack disagree. Exits 2 on a bad stack
 * configuration, naming it, and writes nothing then.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as prettier from "prettier";
import { ConfigError } from "../model/config";
import { packConfigFor } from "./engine/pack-config";
import { policyConfigFile } from "./engine/policy-runner";
import { listStacks, readStackConfig, StackFileError } from "./engine/stack-files";

const PROJECT_ROOT = path.resolve(__dirname, "..");

export async function writePolicyConfigs(root: string): Promise<string[]> {
  const configs = listStacks(root).map((stack) => readStackConfig(root, stack));
  const written: string[] = [];
  for (const config of configs) {
    const file = policyConfigFile(root, config.stack);
    const text = await prettier.format(JSON.stringify(packConfigFor(config), null, 2), {
      ...((await prettier.resolveConfig(file)) ?? {}),
      parser: "json",
    });
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    written.push(path.relative(root, file));
  }
  return written;
}

if (require.main === module) {
  writePolicyConfigs(PROJECT_ROOT).then(
    (files) => console.log(`written: ${files.join(", ")}`),
    (error: unknown) => {
      if (ConfigError.isConfigError(error) || error instanceof StackFileError) {
        console.error(`error: ${error.message}`);
        process.exit(2);
      }
      throw error;
    },
  );
}
