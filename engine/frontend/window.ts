export type WindowType = 'hamming' | 'povey';

export function isWindowType(value: unknown): value is WindowType {
	return value === 'hamming' || value === 'povey';
}

/** Kaldi's window functions over `length` samples (the denominator is length - 1, as in Kaldi). */
export function createWindow(type: WindowType, length: number): Float64Array {
	const window = new Float64Array(length);
	const step = (2 * Math.PI) / (length - 1);
	for (let i = 0; i < length; i++) {
		const cosine = Math.cos(step * i);
		window[i] = type === 'hamming' ? 0.54 - 0.46 * cosine : Math.pow(0.5 - 0.5 * cosine, 0.85);
	}
	return window;
}
