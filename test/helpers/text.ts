/** Levenshtein distance over characters (code points), or over the items of two sequences. */
export function editDistance<T>(a: string | readonly T[], b: string | readonly T[]): number {
	const x = [...a];
	const y = [...b];
	let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
	for (let i = 1; i <= x.length; i++) {
		const current = [i];
		for (let j = 1; j <= y.length; j++) {
			current[j] = Math.min(
				previous[j] + 1,
				current[j - 1] + 1,
				previous[j - 1] + (x[i - 1] === y[j - 1] ? 0 : 1),
			);
		}
		previous = current;
	}
	return previous[y.length];
}

/** Character error rate of hypotheses against references, ignoring punctuation and spaces. */
export function characterErrorRate(references: string[], hypotheses: string[]): number {
	const clean = (text: string) => text.replace(/[\s，。？！、,.?!]/g, '');
	let errors = 0;
	let total = 0;
	references.forEach((reference, i) => {
		errors += editDistance(clean(reference), clean(hypotheses[i] ?? ''));
		total += [...clean(reference)].length;
	});
	return errors / total;
}

/** Word error rate of hypotheses against references, ignoring case and punctuation. */
export function wordErrorRate(references: string[], hypotheses: string[]): number {
	const words = (text: string) =>
		text
			.toLowerCase()
			.replace(/[，。？！、,.?!]/g, ' ')
			.split(/\s+/)
			.filter((word) => word !== '');
	let errors = 0;
	let total = 0;
	references.forEach((reference, i) => {
		errors += editDistance(words(reference), words(hypotheses[i] ?? ''));
		total += words(reference).length;
	});
	return errors / total;
}
