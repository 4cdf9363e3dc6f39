// The port the sender test keeps its tests and results in. Implementations live in src/store/
// (Kysely over better-sqlite3, the embedded default; PostgreSQL later with the same queries) and
// are injected: the job never opens a file or a database itself.
//
// A test is found by the SHA-256 of its passcode (`key`, 64 lower-case hex digits), never by the
// passcode itself: the store holds no secret, and the caller compares keys in constant time.

/** One sender test, as created. */
export interface SenderTestRecord {
  /** SHA-256 of the passcode, lower-case hex. */
  key: string;
  /** The test address with its passcode masked ("test-ab3x…@<hostname>"): what reports and logs show. */
  address: string;
  /** ISO 8601 moments (UTC). */
  createdAt: string;
  expiresAt: string;
  /** Addresses the sender is expected at (`new --from`), in a normal form (lower case, IPv6 compressed); absent or empty: none. */
  expectFrom?: readonly string[];
}

/** One result: the Report (kind `sender`) of one session that carried the passcode, as JSON text. */
export interface SenderResultRecord {
  /** Increasing per store. */
  id: number;
  key: string;
  receivedAt: string;
  report: string;
}

export interface SenderTestStore {
  /** What the store is ("sqlite /var/lib/mxray/sender.db"), for the log line at start-up. */
  readonly description: string;
  /** Adds a test; a key that exists already is an error (passcodes are random: it means a bug). */
  createTest(test: SenderTestRecord): Promise<void>;
  findTest(key: string): Promise<SenderTestRecord | null>;
  /** Unexpired tests (expiresAt after `now`) that expect their sender at `address`, newest first (at most 10). */
  testsExpecting(address: string, now: string): Promise<SenderTestRecord[]>;
  /**
   * Adds a result. Durable when the promise resolves: the process may be killed the next moment and
   * the result is there on restart (the server answers 250 only after this).
   */
  addResult(key: string, receivedAt: string, report: string): Promise<SenderResultRecord>;
  /** The results of a test, newest first, at most `limit` (default 20). */
  results(key: string, limit?: number): Promise<SenderResultRecord[]>;
  /** How many results a test has. */
  countResults(key: string): Promise<number>;
  /** Results stored after the one with id `afterId` for this test, oldest first (what `--watch` waits for). */
  resultsAfter(key: string, afterId: number, limit?: number): Promise<SenderResultRecord[]>;
  /** Tests created at or after `since` (ISO moment): the creation rate limit. */
  countCreatedSince(since: string): Promise<number>;
  /** Deletes tests (and their results) that expired before `before`; returns how many tests went. */
  purgeExpired(before: string): Promise<number>;
  close(): Promise<void>;
}
