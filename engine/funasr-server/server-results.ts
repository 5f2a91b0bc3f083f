// What a FunASR 2pass server answers (websocket-server-2pass.cpp handle_result), parsed for both
// the released servers and the 2026 fields (slice_type, index, start_time, end_time).
import type { TimedToken } from '../timed-token.js';

export type ServerResult =
	/** `2pass-online`: the next words of the sentence in progress, unpunctuated. */
	| { kind: 'partial'; text: string }
	/** `2pass-offline` (or `offline`): a corrected, punctuated sentence; times in ms of the connection's audio. */
	| {
			kind: 'sentence';
			text: string;
			isFinal: boolean;
			startMs?: number;
			endMs?: number;
			tokens?: TimedToken[];
	  }
	/** The answer to the end of audio with nothing left to say. */
	| { kind: 'final' }
	/** The server refused the stream (its text starts with "ERROR."). */
	| { kind: 'refused'; text: string };

/** Throws (with a short reason, never the raw message) on anything that is not a FunASR result. */
export function parseServerResult(message: string): ServerResult {
	let value: unknown;
	try {
		value = JSON.parse(message);
	} catch {
		throw new Error('text that is not JSON');
	}
	if (!isRecord(value) || typeof value.text !== 'string')
		throw new Error('JSON without a text field');
	const text = value.text;
	const isFinal = value.is_final === true;
	if (text.startsWith('ERROR.')) return { kind: 'refused', text };
	if (value.mode === '2pass-online') return { kind: 'partial', text };
	if (value.mode !== '2pass-offline' && value.mode !== 'offline') {
		if (isFinal && text === '') return { kind: 'final' };
		throw new Error(`a result of unknown mode ${JSON.stringify(value.mode)}`);
	}
	if (text === '') return isFinal ? { kind: 'final' } : { kind: 'partial', text: '' };
	const tokens = tokensOf(value.stamp_sents) ?? undefined;
	const stamps = stampsOf(value.timestamp);
	const startMs = tokens?.[0]?.startMs ?? stamps?.[0]?.[0] ?? numberOr(value.start_time);
	const endMs = tokens?.at(-1)?.endMs ?? stamps?.at(-1)?.[1] ?? numberOr(value.end_time);
	return {
		kind: 'sentence',
		text,
		isFinal,
		...(startMs !== undefined ? { startMs } : {}),
		...(endMs !== undefined ? { endMs } : {}),
		...(tokens ? { tokens } : {}),
	};
}

/** `stamp_sents`: each piece's words (`text_seg`, separated by spaces) with their `ts_list`. */
function tokensOf(stampSents: unknown): TimedToken[] | null {
	if (!Array.isArray(stampSents) || stampSents.length === 0) return null;
	const tokens: TimedToken[] = [];
	for (const piece of stampSents) {
		if (!isRecord(piece) || typeof piece.text_seg !== 'string' || !Array.isArray(piece.ts_list))
			return null;
		const words = piece.text_seg.split(' ').filter(Boolean);
		if (words.length !== piece.ts_list.length) return null;
		for (let i = 0; i < words.length; i++) {
			const span = piece.ts_list[i] as unknown;
			if (!isSpan(span)) return null;
			tokens.push({ text: words[i], startMs: span[0], endMs: span[1] });
		}
	}
	return tokens;
}

/** `timestamp`: a string `"[[ms,ms],…]"` from a timestamp model; the 2026 servers otherwise send a number (the connection's epoch ms). */
function stampsOf(timestamp: unknown): [number, number][] | null {
	if (typeof timestamp !== 'string' || timestamp === '') return null;
	try {
		const spans: unknown = JSON.parse(timestamp);
		return Array.isArray(spans) && spans.length > 0 && spans.every(isSpan) ? spans : null;
	} catch {
		return null;
	}
}

function isSpan(value: unknown): value is [number, number] {
	return (
		Array.isArray(value) &&
		value.length === 2 &&
		typeof value[0] === 'number' &&
		typeof value[1] === 'number'
	);
}

function numberOr(value: unknown): number | undefined {
	return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}
