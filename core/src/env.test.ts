// The core's environment as operators write it: compose passes unset variables as empty ones.
import { describe, expect, test } from 'bun:test';
import { loadCoreEnv } from './env.ts';

describe('core environment', () => {
  test('an empty SMTP_URL or SMTP_FROM means unset: no e-mail, the default sender', () => {
    const env = loadCoreEnv({ SMTP_URL: '', SMTP_FROM: '' });
    expect(env.SMTP_URL).toBeUndefined();
    expect(env.SMTP_FROM).toBe('Weltgewebe <noreply@weltgewebe.local>');
  });

  test('a mail server is taken as given; a malformed one stops the start with its name', () => {
    const env = loadCoreEnv({
      SMTP_URL: 'smtps://user:secret@mail.example:465',
      SMTP_FROM: 'X <x@y.z>',
    });
    expect(env.SMTP_URL).toBe('smtps://user:secret@mail.example:465');
    expect(env.SMTP_FROM).toBe('X <x@y.z>');
    expect(() => loadCoreEnv({ SMTP_URL: 'mail server' })).toThrow(/SMTP_URL/);
  });
});
