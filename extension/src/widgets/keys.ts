/** The debugger's keyboard shortcuts. */

/** Keys to actions. Letters as in debuggers' consoles; arrows to walk the timeline. */
export const KEYS: Record<string, string> = {
  s: 'step',
  ArrowRight: 'step',
  ArrowDown: 'step',
  o: 'step_over',
  c: 'continue',
  b: 'back',
  ArrowLeft: 'back',
  ArrowUp: 'back',
  r: 'run',
  Home: 'reset'
};

/** The action for a key event, or null when the key is not a shortcut. */
export function actionOf(key: string, modifiers: boolean): string | null {
  return modifiers ? null : (KEYS[key] ?? null);
}
