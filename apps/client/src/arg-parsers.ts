// Commander argument parsers: a bad value becomes InvalidArgumentError, which commander
// reports with the usage (exit 2) instead of a call that fails later.
import { InvalidArgumentError } from 'commander';
import { parseTarget } from './channel';
import { parseCoordinate, parsePoint, readRouteFile, toPoint } from './points';

export function checkedArg<T>(parse: (text: string) => T): (text: string) => T {
  return (text) => {
    try {
      return parse(text);
    } catch (error) {
      throw new InvalidArgumentError((error as Error).message);
    }
  };
}

/** For a variadic argument: commander passes the values parsed so far as the second argument. */
export function collectArg<T>(parse: (text: string) => T): (text: string, previous: T[] | undefined) => T[] {
  const one = checkedArg(parse);
  return (text, previous) => [...(previous ?? []), one(text)];
}

export function intArg(min: number, max = Number.MAX_SAFE_INTEGER): (text: string) => number {
  return (text) => {
    if (!/^-?\d+$/.test(text.trim())) throw new InvalidArgumentError(`"${text}" is not an integer.`);
    const value = Number(text);
    if (value < min || value > max) throw new InvalidArgumentError(`must be from ${min} to ${max}, got ${value}.`);
    return value;
  };
}

/** Seconds with an optional fraction ("10", "0.5") -> milliseconds. */
export function secondsArg(text: string): number {
  const seconds = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text.trim()) || seconds <= 0) throw new InvalidArgumentError(`"${text}" is not a positive number of seconds.`);
  return Math.round(seconds * 1000);
}

export const targetArg = checkedArg(parseTarget);
export const pointArg = checkedArg((text) => parsePoint(text));
export const routeFileArg = checkedArg(readRouteFile);
// Range-checked alone by pairing with a coordinate that is always valid.
export const latitudeArg = checkedArg((text) => toPoint(parseCoordinate(text, 'latitude'), 0).latitude);
export const longitudeArg = checkedArg((text) => toPoint(0, parseCoordinate(text, 'longitude')).longitude);
