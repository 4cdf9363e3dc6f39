// `mxray tlsrpt`: RFC 8460 aggregate reports read from files, folders and mailboxes.
import { Type, type Static } from '@sinclair/typebox';
import { strict } from './schema-parts.js';

// Placeholder: the TLS-RPT work defines the body here.
export const TlsRptBodySchema = Type.Object({ reports: Type.Integer({ minimum: 0 }) }, strict);
export type TlsRptBody = Static<typeof TlsRptBodySchema>;
