/**
 * A DynamoDB table's key and global secondary indexes (string attributes only), declared once per
 * table next to the code that reads it, for the data tier that creates the table and for the
 * emulators the tests create it in.
 */

export interface TableIndex {
  readonly name: string;
  readonly hashKey: string;
  readonly rangeKey: string;
  /** Every attribute, or these besides the keys. */
  readonly projection: "ALL" | { readonly include: readonly string[] };
}

export interface TableSchema {
  /** The partition key; no sort key. */
  readonly key: string;
  readonly indexes: readonly TableIndex[];
}

/** Every attribute the table's key and indexes name, the key first. */
export function tableKeyAttributes(schema: TableSchema): string[] {
  return [...new Set([schema.key, ...schema.indexes.flatMap((i) => [i.hashKey, i.rangeKey])])];
}
