/** The simulated clock of ./clock.js (see there). */
export interface ClockSegment {
  readonly wall0: number;
  readonly sim0: number;
  readonly factor: number;
}
export function install(initial?: ClockSegment): void;
export function now(): number;
export function setSegment(next: ClockSegment): void;
export function segmentAt(factor: number): ClockSegment;
export function currentSegment(): ClockSegment;
export function realNow(): number;
export const realSetTimeout: typeof setTimeout;
