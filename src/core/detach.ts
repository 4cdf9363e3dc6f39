// A copy of a string that holds no reference to the text it was cut from. V8 keeps a slice of a
// string as a view of the whole: a kept host name or log line would otherwise keep its whole chunk
// of input (a message, 64 KiB of a log) alive, and memory would grow with the input.
export function detach<T extends string | null>(s: T): T {
  return (s === null ? null : ` ${s}`.slice(1)) as T;
}
