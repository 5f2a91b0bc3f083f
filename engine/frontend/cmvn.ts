import { existsSync, readFileSync } from 'node:fs';
import { EngineError } from '../errors.js';

/** Global mean/variance normalisation: y = (x + shift) · scale per dimension. */
export interface Cmvn {
	shift: Float32Array;
	scale: Float32Array;
}

/** Reads a FunASR `am.mvn` (Kaldi nnet text with an <AddShift> and a <Rescale> component). */
export function loadCmvn(amMvnPath: string): Cmvn {
	if (!existsSync(amMvnPath)) {
		throw new EngineError(
			'MODEL_MISSING',
			`CMVN file "${amMvnPath}" does not exist.`,
			'Every FunASR model directory ships an am.mvn beside model.onnx: copy it back.',
		);
	}
	return parseCmvn(readFileSync(amMvnPath, 'utf8'), amMvnPath);
}

export function parseCmvn(text: string, source: string): Cmvn {
	const shift = componentVector(text, '<AddShift>', source);
	const scale = componentVector(text, '<Rescale>', source);
	if (shift.length !== scale.length) {
		throw invalid(
			source,
			`its <AddShift> has ${shift.length} values but its <Rescale> ${scale.length}`,
		);
	}
	return { shift, scale };
}

/** Normalises row-major rows in place. */
export function applyCmvn(rows: Float32Array, cmvn: Cmvn): void {
	const { shift, scale } = cmvn;
	const dim = shift.length;
	for (let offset = 0; offset < rows.length; offset += dim) {
		for (let d = 0; d < dim; d++) rows[offset + d] = (rows[offset + d] + shift[d]) * scale[d];
	}
}

/** The numbers in brackets on the first <LearnRateCoef> line after `component`. */
function componentVector(text: string, component: string, source: string): Float32Array {
	const start = text.indexOf(component);
	if (start < 0) throw invalid(source, `it has no ${component} component`);
	const line = text
		.slice(start)
		.split('\n')
		.find((candidate) => candidate.includes('<LearnRateCoef>'));
	const bracketed = line?.match(/\[([^\]]*)\]/);
	if (!bracketed)
		throw invalid(source, `its ${component} component has no <LearnRateCoef> [ ... ] vector`);
	const values = bracketed[1]
		.trim()
		.split(/\s+/)
		.filter((word) => word.length > 0)
		.map(Number);
	if (values.length === 0 || values.some((value) => !Number.isFinite(value))) {
		throw invalid(source, `the ${component} vector is not a list of numbers`);
	}
	return Float32Array.from(values);
}

function invalid(source: string, problem: string): EngineError {
	return new EngineError(
		'MODEL_INVALID',
		`CMVN file "${source}" is not a Kaldi am.mvn: ${problem}.`,
		'Restore the am.mvn shipped with the model.',
	);
}
