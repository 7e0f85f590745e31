// One-shot notices the server hands to the next page (set as a cookie, shown once).
export type FlashCode = 'session-expired' | 'login-failed' | 'auth-unavailable';

export const flashMessages: Record<FlashCode, string> = {
  'session-expired': 'Deine Sitzung ist abgelaufen – bitte melde dich neu an.',
  'login-failed': 'Die Anmeldung hat nicht geklappt – bitte versuche es noch einmal.',
  'auth-unavailable':
    'Die Anmeldung ist gerade nicht erreichbar – bitte versuche es gleich noch einmal.',
};

export function isFlashCode(value: string): value is FlashCode {
  return value in flashMessages;
}
