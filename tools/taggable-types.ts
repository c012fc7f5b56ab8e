/**
 * Which AWS resource types take `tags`, read from the installed @pulumi/aws: every resource
 * class whose constructor passes `args.tags` through. `npm run generate:taggable` writes the list
 * to policy/taggable-types.json for the tagging policy (the pack does not depend on @pulumi/aws);
 * a test fails when the file and the installed provider disagree.
 */
import * as fs from "node:fs";
import * as path from "node:path";

const AWS_PACKAGE = path.dirname(require.resolve("@pulumi/aws/package.json"));
export const TAGGABLE_TYPES_FILE = path.resolve(__dirname, "..", "policy", "taggable-types.json");

export interface TaggableTypes {
  readonly awsVersion: string;
  readonly types: readonly string[];
}

function javascriptFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      return entry.name === "node_modules" ? [] : javascriptFiles(full);
    }
    return entry.name.endsWith(".js") ? [full] : [];
  });
}

export function readTaggableTypes(): TaggableTypes {
  const types = new Set<string>();
  for (const file of javascriptFiles(AWS_PACKAGE)) {
    const source = fs.readFileSync(file, "utf8");
    const type = /static __pulumiType = '(aws:[^']+)'/.exec(source)?.[1];
    if (type !== undefined && source.includes('resourceInputs["tags"] = args?.tags')) {
      types.add(type);
    }
  }
  const { version } = JSON.parse(
    fs.readFileSync(path.join(AWS_PACKAGE, "package.json"), "utf8"),
  ) as {
    version: string;
  };
  return { awsVersion: version, types: [...types].sort() };
}

if (require.main === module) {
  const taggable = readTaggableTypes();
  fs.writeFileSync(TAGGABLE_TYPES_FILE, `${JSON.stringify(taggable, null, 1)}\n`);
  console.log(
    `${taggable.types.length} taggable types of @pulumi/aws ${taggable.awsVersion} written to ${TAGGABLE_TYPES_FILE}`,
  );
}
