// Report → Document, by kind. Adding a kind of report = one `<kind>Document` and one case here.
import type { Report } from '../core/schema.js';
import type { Document, DocumentOptions } from './document.js';
import { certificateDocument } from './certificate.js';
import { enforceDocument } from './enforce.js';
import { receiverDocument } from './receiver.js';
import { sendDocument } from './send.js';
import { postureDocument } from './posture.js';
import { tlsrptDocument } from './tlsrpt.js';
import { blocklistDocument } from './blocklist.js';
import { explainDocument } from './explain.js';
import { headersDocument } from './headers.js';
import { senderDocument } from './sender.js';
import { logsDocument } from './logs.js';
import { pcapDocument } from './pcap.js';

export function documentFor(report: Report, options: DocumentOptions = {}): Document {
  switch (report.kind) {
    case 'receiver':
      return receiverDocument(report, options);
    case 'certificate':
      return certificateDocument(report, options);
    case 'enforce':
      return enforceDocument(report, options);
    case 'send':
      return sendDocument(report, options);
    case 'posture':
      return postureDocument(report, options);
    case 'tlsrpt':
      return tlsrptDocument(report, options);
    case 'blocklist':
      return blocklistDocument(report, options);
    case 'explain':
      return explainDocument(report, options);
    case 'headers':
      return headersDocument(report, options);
    case 'sender':
      return senderDocument(report, options);
    case 'logs':
      return logsDocument(report, options);
    case 'pcap':
      return pcapDocument(report, options);
  }
}
