/** A reason not to start, shown to the operator as one line. */
export class StartupError extends Error {
  override name = 'StartupError';
}
