// How the judges name a list in a finding's text: the first few, and how many more. A server, a
// record or a report may name thousands; a title names a handful.

/**
 * "a, b, c and 2 more" (or with another separator, "a; b; and 2 more"): the first `max` items
 * whole, then how many are left out.
 */
export function fewOf(items: readonly string[], max = 3, separator = ', '): string {
  if (items.length <= max) return items.join(separator);
  return `${items.slice(0, max).join(separator)}${separator === ', ' ? ' ' : separator}and ${items.length - max} more`;
}
