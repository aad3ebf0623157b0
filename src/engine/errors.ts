// Typed errors with BERG's names. Each message says what was wrong and what to do about it.

export class BergError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A parameter (model id, subject, selection, device, option) is not valid. */
export class InvalidParameterError extends BergError {}

/** The images given to encode() are not a valid stimulus batch. */
export class StimulusError extends BergError {}

/** Model files are missing, corrupt, of another model, or inconsistent. */
export class ModelLoadError extends BergError {}

/** encode() was cancelled through its AbortSignal. */
export class CancelledError extends BergError {}

/** The backend ran out of memory or lost its device. */
export class BackendError extends BergError {}
