// Waiting for the browser: the page's text and controls are shown before map tiles compete for
// the connection, and the work after the first picture is cut into tasks of its own, so a slow
// phone is never busy for long at a stretch.

/** Resolves in a new task (after what the browser has queued meanwhile). */
export const nextTask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** Resolves once the browser has shown the page's first content (at most 3 s later). */
export function firstPaint(): Promise<void> {
  return new Promise((resolve) => {
    if (performance.getEntriesByName('first-contentful-paint').length) return resolve();
    if (!('PerformanceObserver' in window)) return resolve();
    const timer = setTimeout(done, 3000);
    const observer = new PerformanceObserver((list) => {
      if (list.getEntriesByName('first-contentful-paint').length) done();
    });
    function done() {
      clearTimeout(timer);
      observer.disconnect();
      resolve();
    }
    try {
      observer.observe({ type: 'paint', buffered: true });
    } catch {
      done();
    }
  });
}
