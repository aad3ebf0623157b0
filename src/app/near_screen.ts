// Whether an element is on screen or near it, for panels and figures below the views: what is
// far off screen need not be drawn (or re-rendered) on every change, only once it comes near.
import { useEffect, useRef, useState, type RefObject } from 'react';

/** How far beyond the viewport an element still counts as near: it is drawn before it scrolls in. */
export const NEAR_MARGIN = '600px';

/**
 * Whether the element is on screen or within `margin` of it; true before the element is there,
 * and where IntersectionObserver is missing (everything is then drawn as it changes).
 */
export function useNearScreen(el: RefObject<Element | null>, margin = NEAR_MARGIN): boolean {
  const [near, setNear] = useState(true);
  useEffect(() => {
    const node = el.current;
    if (!node || typeof IntersectionObserver === 'undefined') return;
    const io = new IntersectionObserver((es) => setNear(es[es.length - 1].isIntersecting), { rootMargin: margin });
    io.observe(node);
    return () => io.disconnect();
  }, [el, margin]);
  return near;
}

/** `value`, or while `hold` the value it had when the hold began. */
export function useHeldWhile<T>(value: T, hold: boolean): T {
  const kept = useRef(value);
  if (!hold) kept.current = value;
  return kept.current;
}
