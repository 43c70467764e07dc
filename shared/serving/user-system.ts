/** Serving's fold-in is shared/math's: one implementation, no scratch of its own. */
export { UserSystem, type Contribution, type History } from '../math/foldin';
