/**
 * The longest delay `setTimeout` honours (2^31 - 1 ms, about 24.8 days):
 * Node runs a timer with a longer one (or `Infinity`) after 1 ms.
 */
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * Calls `fire` once `ms` have passed, chaining timers of at most
 * {@link MAX_TIMER_MS} for longer delays; `Infinity` sets no timer at all.
 * Returns the function that cancels it. `ms` must be a valid time limit
 * (a number > 0, or `Infinity`).
 */
export function startLongTimer(ms: number, fire: () => void): () => void {
  if (ms === Infinity) return () => undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let left = ms;
  const wait = () => {
    const step = left < MAX_TIMER_MS ? left : MAX_TIMER_MS;
    left -= step;
    timer = setTimeout(left > 0 ? wait : fire, step);
  };
  wait();
  return () => clearTimeout(timer);
}
