// Where sheets cover the map: the middle that is left open and the room kept around a box.
import { describe, expect, test } from 'bun:test';
import { fitPadding, uncoveredMiddle, underSheet } from './map-insets';

const phone = { top: 0, bottom: 844, width: 390, height: 844 };
const desktop = { top: 0, bottom: 800, width: 1280, height: 800 };

describe('the middle left open', () => {
  test('is the middle of the map without a sheet', () => {
    expect(uncoveredMiddle(phone, null)).toEqual({ x: 195, y: 422 });
  });

  test('is the middle of the strip above a phone sheet', () => {
    const sheet = { top: 422, bottom: 844, width: 390, height: 422 };
    expect(uncoveredMiddle(phone, sheet)).toEqual({ x: 195, y: 211 });
  });

  test('a side panel does not count as covering the lower part', () => {
    const panel = { top: 70, bottom: 800, width: 420, height: 730 };
    expect(uncoveredMiddle(desktop, panel)).toEqual({ x: 640, y: 400 });
  });

  test('stays on screen under a sheet that covers nearly everything', () => {
    const sheet = { top: 10, bottom: 844, width: 390, height: 834 };
    expect(uncoveredMiddle(phone, sheet).y).toBe(24);
  });
});

test('a box shown whole stays above a phone sheet and beside a side panel', () => {
  const onPhone = fitPadding({ phone: true, sidePanel: false, height: 844 });
  expect(onPhone.bottom).toBeGreaterThan(844 / 2);
  expect(onPhone.left).toBe(40);
  const withPanel = fitPadding({ phone: false, sidePanel: true, height: 800 });
  expect(withPanel.left).toBeGreaterThan(420);
  expect(withPanel.bottom).toBe(40);
});

test('a point lower than the top third of a phone, or above the screen, moves up', () => {
  expect(underSheet(200, 844)).toBe(false);
  expect(underSheet(500, 844)).toBe(true);
  expect(underSheet(-5, 844)).toBe(true);
});
