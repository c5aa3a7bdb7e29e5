/** An option passed to a limit's constructor is invalid; the message names the option. */
export class LimitOptionsError extends Error {
  constructor(option: string, problem: string) {
    super(`invalid option ${option}: ${problem}`);
    this.name = 'LimitOptionsError';
  }
}
