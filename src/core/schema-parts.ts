// The small TypeBox helpers every schema file shares (schema.ts and the per-kind files beside it).
import { Type, type TLiteral, type TSchema, type TUnion } from '@sinclair/typebox';

/** A union of string literals whose static type is the union of those strings. */
export function Literals<const T extends readonly string[]>(values: T): TUnion<TLiteral<T[number]>[]> {
  return Type.Union(values.map((v) => Type.Literal(v))) as TUnion<TLiteral<T[number]>[]>;
}

export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

/** No property the schema does not name. */
export const strict = { additionalProperties: false } as const;
