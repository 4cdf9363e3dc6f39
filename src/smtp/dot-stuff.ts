// Message data on the wire (RFC 5321 §2.3.8 and §4.5.2, RFC 3030). Every line end becomes CRLF,
// so a bare LF or bare CR can never be read as an end of line by one server and not by another
// (the "SMTP smuggling" family); for DATA, a line that starts with "." gets a second one, so only
// our own CRLF.CRLF ends the data.

const CR = 0x0d;
const LF = 0x0a;
const DOT = 0x2e;

function encode(message: Uint8Array, stuff: boolean): Buffer {
  // Each byte becomes at most two (CR or LF → CRLF, a leading "." → ".."), plus CRLF.CRLF.
  const out = Buffer.allocUnsafe(message.length * 2 + 5);
  let n = 0;
  let lineStart = true;
  for (let i = 0; i < message.length; i++) {
    const b = message[i]!;
    if (b === CR || b === LF) {
      out[n++] = CR;
      out[n++] = LF;
      if (b === CR && message[i + 1] === LF) i++;
      lineStart = true;
      continue;
    }
    if (stuff && lineStart && b === DOT) out[n++] = DOT;
    out[n++] = b;
    lineStart = false;
  }
  if (stuff) {
    // The DATA line's own CRLF starts an empty message: then "." alone ends it.
    if (!lineStart) {
      out[n++] = CR;
      out[n++] = LF;
    }
    out[n++] = DOT;
    out[n++] = CR;
    out[n++] = LF;
  }
  return Buffer.from(out.subarray(0, n));
}

/** The message with every line end as CRLF (a bare LF or bare CR each becomes CRLF); nothing else changes. For BDAT. */
export function toCrlf(message: Uint8Array): Buffer {
  return encode(message, false);
}

/** What follows a 354: line ends as CRLF, leading dots doubled, then the terminating CRLF.CRLF. */
export function dotStuff(message: Uint8Array): Buffer {
  return encode(message, true);
}
