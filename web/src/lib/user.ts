// The signed-in person as pages see it, and the German names of the roles. Safe for the browser.
export type Role = 'reader' | 'weaver' | 'admin';

export interface SessionUser {
  sub: string;
  name: string;
  roles: string[];
  role: Role;
}

export const roleLabels: Record<Role, string> = {
  reader: 'Leser',
  weaver: 'Weber',
  admin: 'Admin',
};

/** Highest role wins; any signed-in person is at least a reader. */
export function highestRole(roles: readonly string[]): Role {
  if (roles.includes('admin')) return 'admin';
  if (roles.includes('weaver')) return 'weaver';
  return 'reader';
}
