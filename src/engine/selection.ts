// BERG's selection rules: which channels (as listed, duplicates kept) and time points an
// encoding model returns.
import { InvalidParameterError } from '../core/errors.ts';
import { N_TIMES, type Selection } from '../core/types.ts';

const SELECTION_KEYS = ['channels', 'timepoints'];

/**
 * Resolve a BERG selection to channel and time indices, by BERG's rules: channels in the order
 * listed, duplicates kept (`[ch_names.index(c) for c in channels]`); time points from a 140-long
 * 0/1 mask, in time order; any other key refused.
 *
 * @param chNames - the model's channel names (manifest `ch_names`, 63 of them), in model order;
 *   names are matched exactly (case included).
 * @param selection - `{ channels?, timepoints? }`: `channels` a non-empty list of names from
 *   chNames; `timepoints` an array-like of 140 values, each 0, 1, false or true, at least one set.
 *   A missing field (or no selection, the default `{}`) means all.
 * @returns `channelIndices` into chNames in the order listed (all, in order, by default) and
 *   `timeIndices` into the 140 times, ascending; the responses are [B, 4, channelIndices.length,
 *   timeIndices.length].
 * @throws InvalidParameterError when the selection is not a plain object, has a key other than
 *   `channels` and `timepoints`, `channels` is not a list, is empty or names an unknown channel
 *   (the message lists the valid names), or `timepoints` is not array-like, not of length 140,
 *   holds another value than 0/1/false/true, or selects no time.
 */
export function resolveSelection(chNames: string[], selection: Selection = {}): { channelIndices: number[]; timeIndices: number[] } {
  if (selection === null || typeof selection !== 'object' || Array.isArray(selection)) {
    throw new InvalidParameterError(`selection must be an object with keys ${SELECTION_KEYS.join(', ')}; got ${Array.isArray(selection) ? 'a list' : typeof selection}`);
  }
  const badKey = Object.keys(selection).find((k) => !SELECTION_KEYS.includes(k));
  if (badKey !== undefined) {
    throw new InvalidParameterError(`invalid selection key '${badKey}'; valid keys are: ${SELECTION_KEYS.join(', ')}`);
  }
  let channelIndices = chNames.map((_, i) => i);
  if (selection.channels !== undefined) {
    if (!Array.isArray(selection.channels)) {
      throw new InvalidParameterError(`selection.channels must be a list of channel names; got ${typeof selection.channels}`);
    }
    // BERG would return an empty channel axis; an array without channels is never what was meant.
    if (selection.channels.length === 0) throw new InvalidParameterError('selection.channels is empty: list at least one channel name');
    const unknown = selection.channels.filter((c) => !chNames.includes(c));
    if (unknown.length) {
      throw new InvalidParameterError(`unknown channel name(s) ${unknown.map(String).join(', ')}; valid names: ${chNames.join(', ')}`);
    }
    channelIndices = selection.channels.map((c) => chNames.indexOf(c));
  }
  let timeIndices = Array.from({ length: N_TIMES }, (_, i) => i);
  if (selection.timepoints !== undefined) {
    const mask = selection.timepoints;
    if (mask === null || typeof mask !== 'object' || typeof (mask as ArrayLike<unknown>).length !== 'number') {
      throw new InvalidParameterError(`selection.timepoints must be a list or array of ${N_TIMES} zeros and ones; got ${mask === null ? 'null' : typeof mask}`);
    }
    if (mask.length !== N_TIMES) {
      throw new InvalidParameterError(`selection.timepoints must be a 0/1 mask of length ${N_TIMES}; got length ${mask.length}`);
    }
    const bad = Array.from(mask).findIndex((v) => !(v === 0 || v === 1 || v === true || v === false));
    if (bad >= 0) throw new InvalidParameterError(`selection.timepoints must hold only 0 and 1; position ${bad} holds ${String(mask[bad])}`);
    timeIndices = timeIndices.filter((i) => Boolean(mask[i]));
    if (timeIndices.length === 0) throw new InvalidParameterError('selection.timepoints selects no time point');
  }
  return { channelIndices, timeIndices };
}
