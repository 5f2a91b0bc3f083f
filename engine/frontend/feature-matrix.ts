/** Row-major feature rows: `rows` × `dim` values. */
export interface FeatureMatrix {
	data: Float32Array;
	rows: number;
	dim: number;
}

export const NO_ROWS = new Float32Array(0);

export function concatRows(parts: readonly Float32Array[], dim: number): FeatureMatrix {
	const length = parts.reduce((sum, part) => sum + part.length, 0);
	const data = new Float32Array(length);
	let offset = 0;
	for (const part of parts) {
		data.set(part, offset);
		offset += part.length;
	}
	return { data, rows: length / dim, dim };
}
