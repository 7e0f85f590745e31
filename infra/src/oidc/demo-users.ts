// The demo people of the dev OIDC provider: one per role, all with the password "demo".

export type DemoRole = 'reader' | 'weaver' | 'admin';

export interface DemoUser {
  sub: string;
  username: string;
  name: string;
  email: string;
  /** Cumulative, as the rules read them: a weaver is also a reader. */
  roles: readonly DemoRole[];
}

export const DEMO_PASSWORD = 'demo';

export const DEMO_USERS: readonly DemoUser[] = [
  {
    sub: 'demo-reader',
    username: 'reader',
    name: 'Rike Reader',
    email: 'reader@weltgewebe.test',
    roles: ['reader'],
  },
  {
    sub: 'demo-weaver',
    username: 'weaver',
    name: 'Wim Weber',
    email: 'weaver@weltgewebe.test',
    roles: ['reader', 'weaver'],
  },
  {
    sub: 'demo-admin',
    username: 'admin',
    name: 'Ada Admin',
    email: 'admin@weltgewebe.test',
    roles: ['reader', 'weaver', 'admin'],
  },
];

export function findDemoUserBySub(sub: string): DemoUser | undefined {
  return DEMO_USERS.find((user) => user.sub === sub);
}

/** Returns the user when username and password match, otherwise undefined. */
export function authenticateDemoUser(username: string, password: string): DemoUser | undefined {
  const user = DEMO_USERS.find((candidate) => candidate.username === username.trim().toLowerCase());
  return user && password === DEMO_PASSWORD ? user : undefined;
}

/** The claims a Keycloak realm would put into tokens for this user. */
export function demoUserClaims(user: DemoUser) {
  return {
    preferred_username: user.username,
    name: user.name,
    email: user.email,
    email_verified: true,
    realm_access: { roles: [...user.roles] },
  };
}
