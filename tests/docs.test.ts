import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_ROOT } from "../tools/engine/engine";

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
const anchorOf = (heading: string) =>
  heading
    .toLowerCase()
    .replace(/[^\w\- ]/g, "")
    .replace(/ /g, "-");

/** The anchors of a Markdown file's headings (outside code blocks). */
function anchors(file: string): Set<string> {
  let inCode = false;
  const found = new Set<string>();
  for (const line of fs.readFileSync(file, "utf8").split("\n")) {
    if (line.startsWith("```")) {
      inCode = !inCode;
    } else if (!inCode && /^#{1,6} /.test(line)) {
      found.add(anchorOf(line.replace(/^#+ /, "")));
    }
  }
  return found;
}

describe("the README and docs/", () => {
  const files = [
    path.join(PROJECT_ROOT, "README.md"),
    ...fs
      .readdirSync(path.join(PROJECT_ROOT, "docs"))
      .filter((f) => f.endsWith(".md"))
      .map((f) => path.join(PROJECT_ROOT, "docs", f)),
  ];

  it("link only to files and headings that exist", () => {
    const broken: string[] = [];
    for (const file of files) {
      const text = fs.readFileSync(file, "utf8");
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target)) {
          continue;
        }
        const [relative, anchor] = target.split("#");
        const resolved = relative === "" ? file : path.resolve(path.dirname(file), relative);
        if (!fs.existsSync(resolved)) {
          broken.push(`${path.relative(PROJECT_ROOT, file)}: ${target} (no such file)`);
        } else if (anchor !== undefined && !anchors(resolved).has(anchor)) {
          broken.push(`${path.relative(PROJECT_ROOT, file)}: ${target} (no such heading)`);
        }
      }
    }
    assert.deepEqual(broken, []);
  });

  it("keep the README a front door: at most 250 lines, the Quick start on the first screen", () => {
    const lines = fs.readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8").split("\n");
    assert.ok(lines.length <= 250, `${lines.length} lines`);
    const quickStart = lines.indexOf("## Quick start");
    assert.ok(quickStart >= 0 && quickStart < 20, `Quick start at line ${quickStart + 1}`);
    const commands = lines.slice(quickStart, quickStart + 12);
    assert.ok(commands.some((l) => l.startsWith("npm ci && npm run plan -- --stack dev")));
    assert.ok(commands.some((l) => l.startsWith("npm test ")));
  });
});
