// The signed-in person's own Garnrolle (accounts.me), loaded once per page and kept fresh after
// changes; null when signed out or not loaded yet.
import { type MyAccount, trpc } from '$lib/trpc';

export const me = $state<{ account: MyAccount | null; loading: boolean }>({
  account: null,
  loading: false,
});

let pending: Promise<MyAccount | null> | null = null;

export function loadMe(): Promise<MyAccount | null> {
  if (!pending) {
    me.loading = true;
    pending = trpc.accounts.me
      .query()
      .then((account) => {
        me.account = account;
        return account;
      })
      .catch(() => null)
      .finally(() => {
        me.loading = false;
      });
  }
  return pending;
}

export function setMe(account: MyAccount): void {
  me.account = account;
  pending = Promise.resolve(account);
}
