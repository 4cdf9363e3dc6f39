// How the sender judge's parts hand in their findings: an id from the catalogue and its facts.
import type { Facts, FindingId } from '../../kb/index.js';

export type Add = (id: FindingId, facts: Facts) => void;
