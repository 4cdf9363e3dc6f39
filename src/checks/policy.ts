// Kept for the modules that import it: the cleartext policy check lives in cleartext/, the
// envelope check in envelope/, what replies mean in replies.ts.
export { assessCleartext } from './cleartext/index.js';
export { classifyEnvelopeReply } from './envelope/index.js';
export { isRequireTlsReply } from './replies.js';
