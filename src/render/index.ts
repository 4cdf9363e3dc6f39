// Report → Document, by kind. Adding a kind of report = one `<kind>Document` and one case here.
import type { Report } from '../core/schema.js';
import type { Document, DocumentOptions } from './document.js';
import { receiverDocument } from './receiver.js';

export function documentFor(report: Report, options: DocumentOptions = {}): Document {
  switch (report.kind) {
    case 'receiver':
      return receiverDocument(report, options);
    default:
      throw new Error(`no renderer for reports of kind ${report.kind}`);
  }
}
