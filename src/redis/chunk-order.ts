// Where an output chunk from a worker falls in what the submitter has received of that stream.
// A reconnect makes ioredis send again the commands whose answers it lost, so a chunk Redis
// already stored can arrive twice; a Redis that lost its data can lose one.

/** 'take': the next bytes. 'copy': bytes already received (skip it). 'gap': not the next bytes (some never arrived). */
export type ChunkPlace = 'take' | 'copy' | 'gap';

/**
 * `received`: bytes of the stream taken so far; `at`: the bytes the worker wrote before this
 * chunk (undefined from a worker that does not say: taken as it comes).
 */
export function placeChunk(received: number, at: number | undefined, length: number): ChunkPlace {
  if (at === undefined || at === received) return 'take';
  return at + length <= received ? 'copy' : 'gap';
}
