// Light or dark: the device's preference unless the person picked one (kept in `wg_theme`
// in localStorage). The resolved scheme is the `dark` class on <html>, set before the first
// paint by the inline script in app.html so the page never flashes light.
export type ThemeChoice = 'system' | 'light' | 'dark';
export type Scheme = 'light' | 'dark';

export const theme = $state<{ choice: ThemeChoice; scheme: Scheme }>({
  choice: 'system',
  scheme: 'light',
});

const storageKey = 'wg_theme';

function systemScheme(): Scheme {
  return window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

function apply(): void {
  theme.scheme = theme.choice === 'system' ? systemScheme() : theme.choice;
  document.documentElement.classList.toggle('dark', theme.scheme === 'dark');
  document.documentElement.style.colorScheme = theme.scheme;
}

/** Reads the stored choice and follows the device while the choice is "system". */
export function initTheme(): () => void {
  const stored = localStorage.getItem(storageKey);
  theme.choice = stored === 'light' || stored === 'dark' ? stored : 'system';
  apply();
  const media = window.matchMedia('(prefers-color-scheme: dark)');
  const onChange = () => {
    if (theme.choice === 'system') apply();
  };
  media.addEventListener('change', onChange);
  return () => media.removeEventListener('change', onChange);
}

/** system → the opposite of what is shown → back to system (three states, one button). */
export function cycleTheme(): void {
  const order: ThemeChoice[] =
    systemScheme() === 'dark' ? ['system', 'light', 'dark'] : ['system', 'dark', 'light'];
  theme.choice = order[(order.indexOf(theme.choice) + 1) % order.length] ?? 'system';
  if (theme.choice === 'system') localStorage.removeItem(storageKey);
  else localStorage.setItem(storageKey, theme.choice);
  apply();
}
