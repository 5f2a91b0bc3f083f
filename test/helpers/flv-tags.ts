import { readFileSync } from 'node:fs';

/** FLV tag types (FLV spec, E.4.1). */
export const FLV_AUDIO = 8;
export const FLV_SCRIPT_DATA = 18;

export interface FlvTag {
	type: number;
	timestampMs: number;
	data: Buffer;
}

export interface FlvAudio {
	/** The onMetaData script tag, if the file has one, as a live stream carries it (liveMetadata). */
	metadata: FlvTag | undefined;
	/** The AAC sequence header (AudioSpecificConfig): sent once, before any frame. */
	sequenceHeader: FlvTag;
	/** AAC frames in file order. */
	frames: FlvTag[];
	/** One pass over the file, ms: the last frame's timestamp plus one frame. */
	durationMs: number;
}

/** The audio of an FLV file with AAC, as encodedFlv writes it: its tags, ready to publish. */
export function readFlvAudio(path: string): FlvAudio {
	const file = readFileSync(path);
	if (file.toString('latin1', 0, 3) !== 'FLV')
		throw new Error(`${path} is not an FLV file (no FLV signature).`);
	const tags: FlvTag[] = [];
	// The header's own size, then PreviousTagSize0.
	let at = file.readUInt32BE(5) + 4;
	while (at + 11 <= file.length) {
		const type = file[at] & 0x1f;
		const size = file.readUIntBE(at + 1, 3);
		const timestampMs = file.readUIntBE(at + 4, 3) + file[at + 7] * 0x1000000;
		const end = at + 11 + size;
		if (end > file.length) break;
		tags.push({ type, timestampMs, data: file.subarray(at + 11, end) });
		at = end + 4;
	}
	const audio = tags.filter((tag) => tag.type === FLV_AUDIO);
	const isAac = (tag: FlvTag) => tag.data.length >= 2 && tag.data[0] >> 4 === 10;
	if (audio.length === 0 || !audio.every(isAac))
		throw new Error(`${path} has no AAC audio track (encode it with encodedFlv).`);
	const sequenceHeader = audio.find((tag) => tag.data[1] === 0);
	const frames = audio.filter((tag) => tag.data[1] === 1);
	if (sequenceHeader === undefined || frames.length < 2)
		throw new Error(`${path} has no AAC sequence header or fewer than two AAC frames.`);
	const last = frames[frames.length - 1];
	const frameMs = last.timestampMs - frames[frames.length - 2].timestampMs;
	const metadata = tags.find((tag) => tag.type === FLV_SCRIPT_DATA);
	return {
		metadata: metadata && { ...metadata, data: liveMetadata(metadata.data) },
		sequenceHeader,
		frames,
		durationMs: last.timestampMs + frameMs,
	};
}

/**
 * onMetaData with `duration` and `filesize` 0, as ffmpeg's FLV muxer writes them to a live
 * (unseekable) output such as RTMP; a file's true values would let some readers skip probing and
 * others not, which shifts their streams' clocks apart.
 */
function liveMetadata(data: Buffer): Buffer {
	const live = Buffer.from(data);
	for (const key of ['duration', 'filesize']) {
		// An AMF0 property: u16 name length, the name, then a number marker (0) and 8 bytes of double.
		const name = Buffer.concat([
			Buffer.of(0, key.length),
			Buffer.from(key, 'latin1'),
			Buffer.of(0),
		]);
		const at = live.indexOf(name);
		if (at >= 0) live.writeDoubleBE(0, at + name.length);
	}
	return live;
}
