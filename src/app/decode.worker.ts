// Image decoding off the main thread: File in; the size, a pixel summary and, as asked, the square
// CHW pixels (transferred) and a thumbnail out.
/// <reference lib="webworker" />
import { decodeImage } from './decode.ts';
import type { DecodeRequest, DecodeReply } from './decode_client.ts';

const scope = self as unknown as DedicatedWorkerGlobalScope;
scope.onmessage = async (ev: MessageEvent<DecodeRequest>) => {
  const { reqId, file, mode, exifOrientation, wants } = ev.data;
  try {
    const d = await decodeImage(file, mode, exifOrientation, wants);
    const reply: DecodeReply = { reqId, ok: true, decoded: d };
    scope.postMessage(reply, d.square ? [d.square.data.buffer] : []);
  } catch (e) {
    const reply: DecodeReply = { reqId, ok: false, message: e instanceof Error ? e.message : String(e) };
    scope.postMessage(reply);
  }
};
