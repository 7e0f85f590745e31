// The signed-in person as pages see it, and the German names of the roles. Safe for the browser.
import type { Role } from '@weltgewebe/kit/roles';

export type { Role };

export interface SessionUser {
  sub: string;
  name: string;
  roles: Role[];
  role: Role;
}

export const roleLabels: Record<Role, string> = {
  reader: 'Leser',
  weaver: 'Weber',
  admin: 'Admin',
};
