// The error-text rules, one file per platform under kb/error-rules/ (the format and the rules for
// writing them are in kb/error-rules/rule.ts). Their order here is the order in which matches are
// listed: the product's own message first, then the library's reason it quotes (tls-libraries last).
import { EXCHANGE_RULES } from './error-rules/exchange.js';
import { EXIM_RULES } from './error-rules/exim.js';
import { OTHER_MTA_RULES } from './error-rules/other-mtas.js';
import { POSTFIX_RULES } from './error-rules/postfix.js';
import type { ErrorRule } from './error-rules/rule.js';
import { SMTP_RULES } from './error-rules/smtp.js';
import { TLS_LIBRARY_RULES } from './error-rules/tls-libraries.js';

export type { ErrorRule, Fault } from './error-rules/rule.js';

export const ERROR_RULES: readonly ErrorRule[] = [...SMTP_RULES, ...EXCHANGE_RULES, ...POSTFIX_RULES, ...EXIM_RULES, ...OTHER_MTA_RULES, ...TLS_LIBRARY_RULES];
