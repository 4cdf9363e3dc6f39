// Kept in step with package.json by a test (test/unit/core/schema.test.ts).
export const VERSION = '0.1.0';

/** The Report contract's version (schema/report.schema.json). Here, not in schema.ts, so that
 * runtime code never loads TypeBox. */
export const SCHEMA_VERSION = '2.2';
