/**
 * Parts of a tier: ComponentResources that hold what their tier once registered itself (a tier
 * that built five stores in one constructor is now five parts). A child of a part carries an alias
 * to the URN it had before, so `pulumi up` adopts it in place instead of deleting and re-creating
 * it: a re-created table or cluster is a lost one, and a resource with a fixed physical name cannot
 * be created beside its old self. Pulumi, "Refactoring with aliases" (wrapping resources in a
 * component: `{ parent: <old parent> }` on each child):
 * https://www.pulumi.com/docs/iac/operations/stack-management/refactoring-with-aliases/
 */
import type * as pulumi from "@pulumi/pulumi";

/** Options of a child resource: always a parent, so the provider and the URN follow from it. */
export type ChildOptions = pulumi.CustomResourceOptions & { readonly parent: pulumi.Resource };

/** Options of a part: its tier is its parent. */
export type PartOptions = pulumi.ComponentResourceOptions & { readonly parent: pulumi.Resource };

/** Where a child stood before: its former parent (a resource or its URN) and, if renamed, name. */
export interface FormerPlace {
  readonly parent: pulumi.Resource | pulumi.Input<string>;
  readonly name?: string;
}

/** Options for a child of `part` that used to stand at `former`. */
export function movedChild(part: pulumi.Resource, former: FormerPlace): ChildOptions {
  const alias: pulumi.Alias =
    former.name === undefined
      ? { parent: former.parent }
      : { parent: former.parent, name: former.name };
  return { parent: part, aliases: [alias] };
}
