// The profile a check judges against. The data (every named, versioned profile) lives in
// kb/profiles.ts; this module path is kept for the modules and tests that import it.
export { DEFAULT_PROFILE, PROFILES, type Profile } from '../kb/profiles.js';
