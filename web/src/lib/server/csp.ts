// The page CSP comes from svelte.config.js at build time; the OIDC issuer is known only at
// run time. Login and logout forms end in a redirect to the issuer, which `form-action`
// must allow (browsers check it for redirects after a form submission too).

/** Adds `source` to the policy's form-action directive, if the policy has one without it. */
export function allowFormActionTo(policy: string, source: string): string {
  const directives = policy.split(';').map((part) => part.trim());
  let changed = false;
  const next = directives.map((directive) => {
    const [name, ...sources] = directive.split(/\s+/);
    if (name?.toLowerCase() !== 'form-action' || sources.includes(source)) return directive;
    // 'none' allows nothing and would win over any origin next to it.
    const kept = sources.filter((s) => s !== "'none'");
    changed = true;
    return [name, ...(kept.length ? kept : ["'self'"]), source].join(' ');
  });
  return changed ? next.filter(Boolean).join('; ') : policy;
}

/**
 * The embed page's policy: `frame-ancestors *` instead of 'none', so that any site may frame
 * it (it is read-only and anonymous); every other directive stays as it is.
 */
export function allowFramingByAnyone(policy: string): string {
  const directives = policy
    .split(';')
    .map((part) => part.trim())
    .filter((d) => d && d.split(/\s+/)[0]?.toLowerCase() !== 'frame-ancestors');
  return [...directives, 'frame-ancestors *'].join('; ');
}
