import { EngineError } from '../errors.js';

const NONE = '_';
const COMMA = '，';
const PERIOD = '。';
const QUESTION = '？';
const ENUMERATION_COMMA = '、';
/** FunASR writes full-width marks; some configs list the ASCII ones. */
const FULL_WIDTH: Record<string, string> = { ',': COMMA, '?': QUESTION };

/** The classes a CT-Transformer predicts after each word (`model_conf.punc_list`), by role. */
export class PunctuationLabels {
	readonly marks: readonly string[];
	readonly none: number;
	readonly comma: number;
	readonly period: number;
	readonly question: number;
	readonly enumerationComma: number;

	constructor(puncList: readonly string[], source = 'punc_list') {
		this.marks = puncList.map((mark) => FULL_WIDTH[mark] ?? mark);
		this.none = this.marks.indexOf(NONE);
		this.comma = this.marks.indexOf(COMMA);
		this.period = this.marks.indexOf(PERIOD);
		this.question = this.marks.indexOf(QUESTION);
		this.enumerationComma = this.marks.indexOf(ENUMERATION_COMMA);
		if (this.none < 0 || this.period < 0) {
			throw new EngineError(
				'MODEL_INVALID',
				`${source} [${puncList.join(', ')}] lacks "${NONE}" or "${PERIOD}".`,
				'Restore the config.yaml shipped with the CT-Transformer model.',
			);
		}
	}

	get size(): number {
		return this.marks.length;
	}

	/** The text written after a word with this label; '' for none (and for <unk>, which is no mark either). */
	textOf(label: number): string {
		const mark = this.marks[label] ?? NONE;
		return mark === NONE || mark.startsWith('<') ? '' : mark;
	}

	endsSentence(label: number): boolean {
		return label === this.period || label === this.question;
	}

	isMark(text: string): boolean {
		return text.length > 0 && this.marks.includes(text);
	}
}
