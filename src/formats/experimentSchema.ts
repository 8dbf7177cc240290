// Typed access to schemas/experiment.schema.json: the one source of the experiment format's keys,
// types, enums and descriptions, shared by the validator, completion and hover.
import schemaJson from '../../schemas/experiment.schema.json';

export type JsonType = 'object' | 'array' | 'string' | 'number' | 'integer' | 'boolean' | 'null';

/** The subset of JSON Schema draft-07 the experiment schema uses. */
export interface SchemaNode {
  $ref?: string;
  title?: string;
  description?: string;
  type?: JsonType | JsonType[];
  enum?: (string | number | boolean)[];
  /** VS Code / yaml-language-server extension: one markdown description per `enum` entry. */
  markdownEnumDescriptions?: string[];
  properties?: Record<string, SchemaNode>;
  additionalProperties?: SchemaNode | boolean;
  required?: string[];
  items?: SchemaNode;
  minItems?: number;
  minProperties?: number;
  minimum?: number;
  exclusiveMinimum?: number;
  definitions?: Record<string, SchemaNode>;
}

export const experimentSchema = schemaJson as SchemaNode;

/** A path into an experiment document: mapping keys and `'*'` for "any sequence item". */
export type SchemaPath = readonly (string | number)[];

function resolve(node: SchemaNode | undefined): SchemaNode | undefined {
  if (!node?.$ref) return node;
  const name = node.$ref.replace(/^#\/definitions\//, '');
  return experimentSchema.definitions?.[name];
}

/** The schema that applies to the property `key` of an object node, or undefined when the key is not allowed. */
export function propertySchema(parent: SchemaNode | undefined, key: string): SchemaNode | undefined {
  const p = resolve(parent);
  if (!p) return undefined;
  const named = p.properties?.[key];
  if (named) return resolve(named);
  return typeof p.additionalProperties === 'object' ? resolve(p.additionalProperties) : undefined;
}

/** The schema of a sequence node's items. */
export function itemSchema(parent: SchemaNode | undefined): SchemaNode | undefined {
  return resolve(resolve(parent)?.items);
}

/** The schema at a path from the document root; numbers and `'*'` step into sequence items. */
export function schemaAtPath(path: SchemaPath): SchemaNode | undefined {
  let node: SchemaNode | undefined = experimentSchema;
  for (const step of path) {
    node = typeof step === 'number' || step === '*' ? itemSchema(node) : propertySchema(node, step);
    if (!node) return undefined;
  }
  return node;
}

export function schemaTypes(node: SchemaNode | undefined): JsonType[] {
  const t = resolve(node)?.type;
  return t === undefined ? [] : Array.isArray(t) ? t : [t];
}

/** The documented description of one enum value, when the schema gives one. */
export function enumDescription(node: SchemaNode | undefined, value: unknown): string | undefined {
  const n = resolve(node);
  const i = n?.enum?.indexOf(value as string) ?? -1;
  return i >= 0 ? n?.markdownEnumDescriptions?.[i] : undefined;
}

/** Human form of a path for messages and hovers: `objective.goal`, `trials[].status`. */
export function formatPath(path: SchemaPath): string {
  let out = '';
  for (const step of path) {
    if (typeof step === 'number' || step === '*') out += '[]';
    else out += out ? `.${step}` : step;
  }
  return out;
}
