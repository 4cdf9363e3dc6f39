// Kept for the modules that import it: the TLS check lives in tls/.
export { classifyHandshakeFailure, classifyLegacySuccess, type HandshakeAttempt } from './tls/index.js';
