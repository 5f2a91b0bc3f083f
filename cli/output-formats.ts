import { EngineError, type Sentence, type SentenceTags } from '../engine/index.js';
import { buildCues, formatSrtCue, formatVttCue, VTT_HEADER } from './subtitles.js';

export const OUTPUT_FORMATS = ['text', 'jsonl', 'srt', 'vtt'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** What `transcribe` writes: a header once, then each sentence's text as it comes. */
export interface SentenceFormatter {
	header: string;
	format(sentence: Sentence): string;
}

export function parseOutputFormat(value: string): OutputFormat {
	if ((OUTPUT_FORMATS as readonly string[]).includes(value)) return value as OutputFormat;
	throw new EngineError(
		'BAD_OPTION',
		`--format must be one of ${OUTPUT_FORMATS.join(', ')}, not "${value}".`,
		'Give e.g. --format srt.',
	);
}

/**
 * The times of text, SRT and WebVTT run on from the first connection: a live input that reconnects
 * starts each session at 0 ms, which would send its cues back to the start of the file.
 */
export function createFormatter(format: OutputFormat): SentenceFormatter {
	const formatter = formatterOf(format);
	if (format === 'jsonl') return formatter;
	const onTimeline = oneTimeline();
	return { header: formatter.header, format: (s) => formatter.format(onTimeline(s)) };
}

/** Moves each session's sentences by the wall-clock time from the first session's start to its own. */
function oneTimeline(): (sentence: Sentence) => Sentence {
	let firstSessionStart: number | null = null;
	const offsets = new Map<string, number>();
	return (sentence) => {
		let offset = offsets.get(sentence.sessionId);
		if (offset === undefined) {
			const sessionStart = Date.parse(sentence.startedAt) - sentence.startMs;
			firstSessionStart ??= sessionStart;
			offset = Math.max(0, sessionStart - firstSessionStart) || 0;
			offsets.set(sentence.sessionId, offset);
		}
		if (offset === 0) return sentence;
		const shift = offset;
		return {
			...sentence,
			startMs: sentence.startMs + shift,
			endMs: sentence.endMs + shift,
			...(sentence.tokens
				? {
						tokens: sentence.tokens.map((token) => ({
							...token,
							startMs: token.startMs + shift,
							endMs: token.endMs + shift,
						})),
					}
				: {}),
		};
	};
}

function formatterOf(format: OutputFormat): SentenceFormatter {
	switch (format) {
		case 'text':
			return {
				header: '',
				format: (s) => `[${minutesClock(s.startMs)} → ${minutesClock(s.endMs)}] ${s.text}\n`,
			};
		case 'jsonl':
			return {
				header: '',
				format: (s) =>
					`${JSON.stringify({ index: s.index, text: s.text, textRaw: s.textRaw, startMs: s.startMs, endMs: s.endMs, sessionId: s.sessionId, ...(s.tokens ? { tokens: s.tokens } : {}), ...tagsOf(s) })}\n`,
			};
		case 'srt': {
			// SRT numbers its cues from 1 across the whole file.
			let next = 1;
			return {
				header: '',
				format: (s) =>
					buildCues(s)
						.map((cue) => formatSrtCue(cue, next++))
						.join(''),
			};
		}
		case 'vtt':
			return { header: VTT_HEADER, format: (s) => buildCues(s).map(formatVttCue).join('') };
	}
}

/** SenseVoice's language, emotion and events, when the sentence has them. */
function tagsOf({ language, emotion, events }: Sentence): SentenceTags {
	return {
		...(language !== undefined ? { language } : {}),
		...(emotion !== undefined ? { emotion } : {}),
		...(events ? { events } : {}),
	};
}

function minutesClock(ms: number): string {
	const totalSeconds = ms / 1000;
	const minutes = Math.floor(totalSeconds / 60);
	return `${String(minutes).padStart(2, '0')}:${(totalSeconds - minutes * 60).toFixed(3).padStart(6, '0')}`;
}
