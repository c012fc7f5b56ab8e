"use strict";
/**
 * The game day's simulated clock (issue 14), shared by the game day's own process and every
 * handler process it starts. Simulated time runs `factor` times faster than wall time, from a
 * segment `{ wall0, sim0, factor }`: now = sim0 + (wall - wall0) × factor. Installed, it replaces
 * `Date` and the timers (`setTimeout`, `setInterval`, `timers/promises`, `AbortSignal.timeout`)
 * so that everything in the process — a Step Functions Wait state, an SDK request timeout, a
 * handler's cache lifetime — lives on simulated time. The factor changes while the game day runs
 * (fast while nothing is under way); pending timers keep their simulated deadlines, so each fires
 * at the same simulated instant whatever the factor did meanwhile.
 *
 * Plain CommonJS so a handler process can preload it (`node -r clock.js`) without a compiler: it
 * installs itself there from the GAMEDAY_CLOCK environment variable and follows the segments the
 * game day sends it over IPC (`{ gamedayClock: segment }`).
 */
const timersModule = require("node:timers");
const timersPromises = require("node:timers/promises");

const RealDate = Date;
const realNow = RealDate.now.bind(RealDate);
const realSetTimeout = timersModule.setTimeout;
const realClearTimeout = timersModule.clearTimeout;

let segment = { wall0: realNow(), sim0: realNow(), factor: 1 };
let installed = false;

/** Simulated milliseconds since the epoch. */
function now() {
  return segment.sim0 + (realNow() - segment.wall0) * segment.factor;
}

/** Virtual timers by id, each with its simulated deadline. */
const timers = new Map();
let nextId = 1;
let master = null;

class VirtualTimer {
  constructor(fn, delay, args, repeat) {
    this.id = nextId++;
    this.fn = fn;
    this.delay = Math.max(1, Number(delay) || 0);
    this.args = args;
    this.repeat = repeat;
    this.deadline = now() + this.delay;
    this.refed = true;
  }
  ref() {
    this.refed = true;
    arm();
    return this;
  }
  unref() {
    this.refed = false;
    arm();
    return this;
  }
  hasRef() {
    return this.refed;
  }
  refresh() {
    this.deadline = now() + this.delay;
    arm();
    return this;
  }
  close() {
    clear(this);
    return this;
  }
  [Symbol.toPrimitive]() {
    return this.id;
  }
}

/** One real timer, set for the earliest virtual deadline at the current factor. */
function arm() {
  if (master !== null) {
    realClearTimeout(master);
    master = null;
  }
  let earliest = Infinity;
  let anyRef = false;
  for (const timer of timers.values()) {
    earliest = Math.min(earliest, timer.deadline);
    anyRef = anyRef || timer.refed;
  }
  if (earliest === Infinity) {
    return;
  }
  const wait = Math.max(0, (earliest - now()) / segment.factor);
  master = realSetTimeout(fire, Math.min(wait, 2 ** 31 - 1));
  if (!anyRef) {
    master.unref();
  }
}

function fire() {
  master = null;
  const at = now();
  const due = [...timers.values()]
    .filter((t) => t.deadline <= at)
    .sort((a, b) => a.deadline - b.deadline || a.id - b.id);
  for (const timer of due) {
    if (!timers.has(timer.id)) {
      continue; // cleared by an earlier callback
    }
    if (timer.repeat) {
      timer.deadline += timer.delay;
    } else {
      timers.delete(timer.id);
    }
    try {
      timer.fn(...timer.args);
    } catch (error) {
      realSetTimeout(() => {
        throw error;
      }, 0);
    }
  }
  arm();
}

function schedule(fn, delay, args, repeat) {
  if (typeof fn !== "function") {
    throw new TypeError('The "callback" argument must be of type function');
  }
  const timer = new VirtualTimer(fn, delay, args, repeat);
  timers.set(timer.id, timer);
  arm();
  return timer;
}

function clear(timer) {
  if (timer === null || timer === undefined) {
    return;
  }
  const id = typeof timer === "object" && "id" in timer ? timer.id : Number(timer);
  if (timers.delete(id)) {
    arm();
  } else if (typeof timer === "object") {
    realClearTimeout(timer);
  }
}

function SimDate(...args) {
  if (!new.target) {
    return new RealDate(now()).toString();
  }
  return args.length === 0 ? new RealDate(now()) : new RealDate(...args);
}
SimDate.prototype = RealDate.prototype;
SimDate.now = now;
SimDate.parse = RealDate.parse;
SimDate.UTC = RealDate.UTC;

/** Puts the process on simulated time. */
function install(initial) {
  if (initial !== undefined) {
    segment = { ...initial };
  }
  if (installed) {
    arm();
    return;
  }
  installed = true;
  globalThis.Date = SimDate;
  const setTimeoutSim = (fn, delay, ...args) => schedule(fn, delay, args, false);
  const setIntervalSim = (fn, delay, ...args) => schedule(fn, delay, args, true);
  globalThis.setTimeout = setTimeoutSim;
  globalThis.setInterval = setIntervalSim;
  globalThis.clearTimeout = clear;
  globalThis.clearInterval = clear;
  timersModule.setTimeout = setTimeoutSim;
  timersModule.setInterval = setIntervalSim;
  timersModule.clearTimeout = clear;
  timersModule.clearInterval = clear;
  timersPromises.setTimeout = (delay, value, options = {}) =>
    new Promise((resolve, reject) => {
      const timer = setTimeoutSim(() => resolve(value), delay);
      options.signal?.addEventListener("abort", () => {
        clear(timer);
        reject(options.signal.reason);
      });
    });
  AbortSignal.timeout = (delay) => {
    const controller = new AbortController();
    setTimeoutSim(() => {
      controller.abort(
        new DOMException("The operation was aborted due to timeout", "TimeoutError"),
      );
    }, delay).unref();
    return controller.signal;
  };
}

/** Moves to a new segment (a new factor from now on); pending timers keep their deadlines. */
function setSegment(next) {
  segment = { ...next };
  arm();
}

/** A segment continuing from this instant at `factor`. */
function segmentAt(factor) {
  const wall = realNow();
  return { wall0: wall, sim0: segment.sim0 + (wall - segment.wall0) * segment.factor, factor };
}

function currentSegment() {
  return { ...segment };
}

module.exports = { install, now, setSegment, segmentAt, currentSegment, realNow, realSetTimeout };

if (process.env.GAMEDAY_CLOCK !== undefined) {
  install(JSON.parse(process.env.GAMEDAY_CLOCK));
  process.on("message", (message) => {
    if (message !== null && typeof message === "object" && message.gamedayClock) {
      setSegment(message.gamedayClock);
    }
  });
}
