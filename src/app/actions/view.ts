// How the views show the data: what the topomap maps and when, its interpolation and colour
// limits, and which images and channels the time courses draw.
import type { TopomapMethod } from '../../viz/topomap.ts';
import type { BandKind } from '../../viz/stats.ts';
import { useApp, type ChannelView, type ImageView, type MapSource } from '../state/store.ts';

const { setState: set } = useApp;

export function setMapSource(mapSource: MapSource) {
  set({ mapSource });
}

/** One map at the cursor or the window mean (no joint plot). */
export function setTopoMode(topoMode: 'cursor' | 'window') {
  set({ topoMode, multiples: 'off' });
}

/** A joint plot: maps at the GFP peaks, or at the listed times. */
export function setMultiples(multiples: 'peaks' | 'times') {
  set({ multiples });
}

/** The joint plot's times, as the user wrote them once checked (e.g. "100, 170, 250"). */
export function setMultipleTimes(multipleTimes: string) {
  set({ multipleTimes });
}

export function setPeakThreshold(peakThreshold: number) {
  set({ peakThreshold });
}

export function setTopoMethod(topoMethod: TopomapMethod) {
  set({ topoMethod });
}

export function setColorScale(colorScale: 'fixed' | 'frame') {
  set({ colorScale });
}

export function setImageView(imageView: ImageView) {
  set({ imageView });
}

export function setChannelView(channelView: ChannelView) {
  set({ channelView });
}

export function setBand(band: BandKind) {
  set({ band });
}
