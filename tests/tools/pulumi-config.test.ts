import { strict as assert } from "node:assert";
import * as yaml from "js-yaml";
import { CONFIG_DECLARATIONS, type ConfigDeclaration } from "../../model/config";
import {
  configDifferences,
  renderConfigBlock,
  replaceConfigBlock,
} from "../../tools/pulumi-config";

function parsedBlock(text: string): Record<string, ConfigDeclaration> {
  return (yaml.load(text) as { config: Record<string, ConfigDeclaration> }).config;
}

describe("Pulumi.yaml's config block from the schema", () => {
  it("renders every declaration so that YAML reads it back unchanged", () => {
    assert.deepEqual(parsedBlock(renderConfigBlock()), CONFIG_DECLARATIONS);
  });

  it("keeps lines within the print width, folding long descriptions", () => {
    const block = renderConfigBlock({
      k: { type: "string", description: `${"word ".repeat(40)}end: with a colon, "quotes" #` },
    });
    assert.ok(block.split("\n").every((line) => line.length <= 100));
    assert.match(block, /description: >-\n/);
    assert.equal(
      parsedBlock(block).k.description,
      `${"word ".repeat(40)}end: with a colon, "quotes" #`,
    );
  });

  it("replaces only the config block", () => {
    const file = "name: p\nruntime: nodejs\nconfig:\n  old:\n    type: string\n";
    const replaced = replaceConfigBlock(file, "config:\n  new:\n    type: integer\n");
    assert.equal(replaced, "name: p\nruntime: nodejs\nconfig:\n  new:\n    type: integer\n");
    const twice = replaceConfigBlock(
      replaceConfigBlock(file, renderConfigBlock()),
      renderConfigBlock(),
    );
    assert.equal(twice, replaceConfigBlock(file, renderConfigBlock()));
    assert.ok(twice.startsWith("name: p\nruntime: nodejs\n# Generated from the schema"));
  });

  it("names the key and the difference when the file and the schema disagree", () => {
    const declared: Record<string, object> = {
      ...CONFIG_DECLARATIONS,
      rpoSeconds: { ...CONFIG_DECLARATIONS.rpoSeconds, type: "string", default: 6 },
      healthCheckRegions: { ...CONFIG_DECLARATIONS.healthCheckRegions, items: undefined },
      owner: { ...CONFIG_DECLARATIONS.owner, description: "Owner.", secret: true },
      retired: { type: "string", description: "Gone." },
    };
    delete declared.namePrefix;
    assert.deepEqual(configDifferences(declared), [
      "namePrefix: declared in the schema, missing from Pulumi.yaml",
      'owner: description is "Owner." in Pulumi.yaml, "Owner tag value (team or person accountable for the stack)." in the schema',
      "owner: secret is true in Pulumi.yaml, not set in the schema",
      'healthCheckRegions: items is not set in Pulumi.yaml, {"type":"string"} in the schema',
      'rpoSeconds: type is "string" in Pulumi.yaml, "integer" in the schema',
      "rpoSeconds: default is 6 in Pulumi.yaml, 5 in the schema",
      "retired: declared in Pulumi.yaml, not in the schema",
    ]);
  });
});
