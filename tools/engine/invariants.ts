/**
 * Program-wide invariants: properties every evaluation of the program must have, whatever tiers
 * it holds. Each returns the violations it finds as messages naming the resource.
 */
import {
  AUTONAME_SUFFIX_LENGTH,
  NAME_RULES,
  nameViolation,
  PHYSICAL_NAME_INPUTS,
} from "../../model/naming";
import { isGlobalServiceType, ONE_COPY_COMPONENT_TYPES } from "../../model/regions";
import type { Evaluation, RecordedResource } from "./engine";

export interface Invariant {
  readonly name: string;
  readonly description: string;
  readonly check: (evaluation: Evaluation) => string[];
}

const isAws = (r: RecordedResource) => r.custom && r.type.startsWith("aws:");
const isComponent = (r: RecordedResource) => !r.custom && r.type !== "pulumi:pulumi:Stack";

export const INVARIANTS: readonly Invariant[] = [
  {
    name: "explicit-provider",
    description: "every AWS resource and invoke names its regional provider",
    check: ({ resources, invokes }) => [
      ...resources
        .filter((r) => isAws(r) && r.provider === "")
        .map((r) => `${r.urn} has no explicit provider: it would use the default AWS provider`),
      ...invokes
        .filter((i) => i.token.startsWith("aws:") && i.provider === "")
        .map(
          (i) =>
            `invoke ${i.token} has no explicit provider: it would use the default AWS provider`,
        ),
    ],
  },
  {
    name: "remote-component-provider",
    description: "every remote component (awsx) is given its region's AWS provider explicitly",
    check: ({ resources }) =>
      resources
        .filter((r) => r.remote && r.componentAwsProvider === "")
        .map(
          (r) =>
            `${r.urn} is a remote component without an explicit aws provider: its resources would use the default AWS provider`,
        ),
  },
  {
    name: "has-region",
    description: "every AWS resource has a region, unless its service is global",
    check: ({ resources }) =>
      resources
        .filter((r) => isAws(r) && r.region === null && !isGlobalServiceType(r.type))
        .map((r) => `${r.urn} has no region`),
  },
  {
    name: "component-region",
    description: "resources of a regional component are in that component's region",
    check: ({ resources }) => {
      const byUrn = new Map(resources.map((r) => [r.urn, r]));
      return resources.flatMap((r) => {
        const parent = r.parent === null ? undefined : byUrn.get(r.parent);
        if (parent === undefined || !isComponent(parent) || parent.placement === null) {
          return [];
        }
        // A global service's resource has no region, whichever provider manages it (ARC's
        // control plane, for one, is served from us-west-2 only).
        if (r.custom && r.region === null) {
          return [];
        }
        return r.placement === parent.placement
          ? []
          : [
              `${r.urn} is in ${r.placement ?? "no region"} but its component ${parent.urn} is in ${parent.placement}`,
            ];
      });
    },
  },
  {
    name: "symmetric-regions",
    description: "the primary and secondary regions hold the same set of component types",
    check: ({ resources, config }) => {
      // A component holding only global resources (the DNS zone) is global, wherever its provider is.
      const children = (urn: string) => resources.filter((r) => r.parent === urn);
      const isGlobal = (component: RecordedResource) => {
        const own = children(component.urn);
        return own.length > 0 && own.every((r) => r.custom && r.region === null);
      };
      const typesIn = (region: string) =>
        new Set(
          resources
            .filter(
              (r) =>
                isComponent(r) &&
                r.placement === region &&
                !isGlobal(r) &&
                !ONE_COPY_COMPONENT_TYPES.includes(r.type),
            )
            .map((r) => r.type),
        );
      const primary = typesIn(config.regions.primary);
      const secondary = typesIn(config.regions.secondary);
      const only = (a: Set<string>, b: Set<string>, region: string) =>
        [...a].filter((t) => !b.has(t)).map((t) => `component ${t} exists only in ${region}`);
      return [
        ...only(primary, secondary, config.regions.primary),
        ...only(secondary, primary, config.regions.secondary),
      ];
    },
  },
  {
    name: "unique-urns",
    description: "no two resources share a URN",
    check: ({ resources }) => {
      const seen = new Set<string>();
      return resources.flatMap((r) => {
        const duplicate = seen.has(r.urn);
        seen.add(r.urn);
        return duplicate ? [`${r.urn} is registered more than once`] : [];
      });
    },
  },
  {
    name: "physical-names",
    description: "every physical name fits its service's length and character limits",
    check: ({ resources }) =>
      resources.flatMap((r) => {
        const spec = r.custom ? PHYSICAL_NAME_INPUTS[r.type] : undefined;
        if (spec === undefined) {
          return [];
        }
        const name = r.rawInputs[spec.input];
        if (typeof name === "string") {
          const violation = nameViolation(spec.kind, name);
          return violation === undefined ? [] : [`${r.urn}: ${violation}`];
        }
        const autoLength = r.name.length + AUTONAME_SUFFIX_LENGTH;
        return autoLength <= NAME_RULES[spec.kind].max
          ? []
          : [
              `${r.urn}: the auto-name of "${r.name}" would be ${autoLength} characters; ${spec.kind} allows ${NAME_RULES[spec.kind].max}`,
            ];
      }),
  },
];

export interface InvariantResult {
  readonly name: string;
  readonly violations: readonly string[];
}

export function checkInvariants(evaluation: Evaluation): InvariantResult[] {
  return INVARIANTS.map((invariant) => ({
    name: invariant.name,
    violations: invariant.check(evaluation),
  }));
}
