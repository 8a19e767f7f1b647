/** Time source, injected so availability logic can run under fake timers. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): NodeJS.Timeout;
  clearTimeout(t: NodeJS.Timeout): void;
  setInterval(fn: () => void, ms: number): NodeJS.Timeout;
  clearInterval(t: NodeJS.Timeout): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (t) => clearTimeout(t),
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (t) => clearInterval(t),
};

/**
 * The same clock, with timer callbacks that never throw out of the timer: a failure (the state database
 * turned read-only or full under a heartbeat, say) goes to `onError` and the process goes on. The
 * composition root hands this clock to every module, so each timer is covered without a try in each.
 */
export function guardedClock(clock: Clock, onError: (err: unknown) => void): Clock {
  const guard =
    (fn: () => void) =>
    (): void => {
      try {
        fn();
      } catch (err) {
        onError(err);
      }
    };
  return {
    now: () => clock.now(),
    setTimeout: (fn, ms) => clock.setTimeout(guard(fn), ms),
    clearTimeout: (t) => clock.clearTimeout(t),
    setInterval: (fn, ms) => clock.setInterval(guard(fn), ms),
    clearInterval: (t) => clock.clearInterval(t),
  };
}
