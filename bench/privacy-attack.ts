// The averaging attack on radius mode, measured for the old rule (a fresh draw per change) and
// the derived point (core/src/accounts/public-point.ts) on the same seeded move sequences:
// the two scenarios and the property test's mixed population. Prints how far the
// observer's mean of every point shown lies from home. Run: bun bench/privacy-attack.ts [seed]
import {
  makePerson,
  near,
  observe,
  type Person,
  seeded,
  summarise,
} from '../core/src/accounts/averaging-attack.ts';

const seed = Number(process.argv[2] ?? 20261202);
const TRIALS = 1000;
const rnd = seeded(seed);

function scenario(name: string, make: (i: number) => Person) {
  const people = Array.from({ length: TRIALS }, (_, i) => make(i));
  const old = people.map((p) => observe(p, 'fresh-draw', seeded(seed + 7)));
  const now = people.map((p) => observe(p, 'derived'));
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const row = (label: string, os: typeof old) => {
    const s = summarise(os);
    console.log(
      `  ${label.padEnd(11)} median error of the mean ${median(os.map((o) => o.meanError))
        .toFixed(0)
        .padStart(5)} m,` +
        ` within R_min/2: ${(s.nearerThanHalfRadius * 100).toFixed(1).padStart(5)} %,` +
        ` distinct points per radius ≤ ${s.maxDistinctPerRadius.toFixed(0)}`,
    );
  };
  console.log(`${name} (${TRIALS} people, seed ${seed})`);
  row('fresh draw', old);
  row('derived', now);
}

const home = (i: number) => ({ lat: -60 + ((i * 0.618_034) % 1) * 120, lon: -180 + rnd() * 360 });
const secret = () => new Uint8Array(32).map(() => Math.floor(rnd() * 256));

scenario('20 re-saves within 5 m at 500 m', (i) => {
  const h = home(i);
  return {
    home: h,
    secret: secret(),
    saves: Array.from({ length: 20 }, () => ({ location: near(h, 5, rnd), radiusM: 500 })),
  };
});
scenario('radius alternating 250/500, 28 saves at the same place', (i) => {
  const h = home(i);
  return {
    home: h,
    secret: secret(),
    saves: Array.from({ length: 28 }, (_, s) => ({ location: h, radiusM: s % 2 ? 500 : 250 })),
  };
});
scenario('60 saves within 50 m, radius alternating 50/100', (i) => {
  const h = home(i);
  return {
    home: h,
    secret: secret(),
    saves: Array.from({ length: 60 }, (_, s) => ({
      location: near(h, 50, rnd),
      radiusM: s % 2 ? 100 : 50,
    })),
  };
});
scenario('mixed population of the property test', (i) => makePerson(rnd, i));
