// Typed errors with BERG's names. Each message says what was wrong and what to do about it.
// Names are spelled out (not taken from the class) so they survive minification.

export class BergError extends Error {
  constructor(message: string, name = 'BergError') {
    super(message);
    this.name = name;
  }
}

/** A parameter (model id, subject, selection, device, option) is not valid. */
export class InvalidParameterError extends BergError {
  constructor(message: string) {
    super(message, 'InvalidParameterError');
  }
}

/** The images given to encode() are not a valid stimulus batch. */
export class StimulusError extends BergError {
  constructor(message: string) {
    super(message, 'StimulusError');
  }
}

/** Model files are missing, corrupt, of another model, or inconsistent. */
export class ModelLoadError extends BergError {
  constructor(message: string) {
    super(message, 'ModelLoadError');
  }
}

/** encode() was cancelled through its AbortSignal. */
export class CancelledError extends BergError {
  constructor(message: string) {
    super(message, 'CancelledError');
  }
}

/** The backend ran out of memory or lost its device. */
export class BackendError extends BergError {
  constructor(message: string) {
    super(message, 'BackendError');
  }
}
