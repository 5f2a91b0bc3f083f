import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { groupFigures } from './findings.js';
import { judgeLive } from './live-search.js';
import { describeLayout, type BenchResults } from './results.js';
import { median } from './stats.js';

export const CHART_FILES = { rtf: 'rtf.svg', live: 'live.svg' } as const;

const COLOURS = ['#1f77b4', '#6baed6', '#d62728', '#fc9272'];
const FONT = 'font-family="sans-serif" font-size="12"';

export function writeCharts(results: BenchResults, outDir: string): void {
	writeFileSync(join(outDir, CHART_FILES.rtf), rtfChart(results));
	writeFileSync(join(outDir, CHART_FILES.live), liveChart(results));
}

/** Horizontal bars: real-time factor of each stage, one bar per precision and thread count. */
function rtfChart(results: BenchResults): string {
	const figures = results.groups.map(groupFigures);
	const stage = (name: string, precision: string) =>
		median(
			results.stages.find((row) => row.stage === name && row.precision === precision)?.rtf.wall ??
				[],
		);
	const rows: { label: string; values: number[] }[] = [
		{ label: 'front end', values: figures.map(() => stage('front end', 'fp32')) },
		{ label: 'FSMN-VAD', values: figures.map(() => stage('VAD', 'fp32')) },
		{ label: 'Paraformer run', values: figures.map((f) => f.runOnly) },
		{
			label: 'punctuation (tiny)',
			values: figures.map((f) => stage('punctuation', f.group.precision)),
		},
		{ label: 'whole pipeline', values: figures.map((f) => f.pipeline) },
		{ label: 'sherpa-onnx', values: figures.map((f) => f.sherpa) },
	];
	const series = figures.map((f) => `${f.group.precision}, ${describeLayout(f.group)}`);
	const max = Math.max(...rows.flatMap((row) => row.values.filter(Number.isFinite)), 1e-6);
	const left = 140;
	const width = 720;
	const plot = width - left - 80;
	const bar = 11;
	const rowHeight = series.length * bar + 14;
	const top = 50;
	const height = top + rows.length * rowHeight + 40;
	const parts = [
		svgOpen(width, height),
		text(
			width / 2,
			20,
			'Real-time factor per stage (compute s per stream s, wall clock, median; lower is faster)',
			'middle',
			13,
		),
	];
	series.forEach((name, i) => {
		parts.push(
			`<rect x="${left + i * 140}" y="30" width="10" height="10" fill="${COLOURS[i % COLOURS.length]}"/>`,
			text(left + i * 140 + 14, 39, name),
		);
	});
	rows.forEach((row, r) => {
		const y0 = top + r * rowHeight;
		parts.push(text(left - 8, y0 + rowHeight / 2, row.label, 'end'));
		row.values.forEach((value, i) => {
			if (!Number.isFinite(value)) return;
			const y = y0 + i * bar;
			const w = Math.max(1, (value / max) * plot);
			parts.push(
				`<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${bar - 2}" fill="${COLOURS[i % COLOURS.length]}"/>`,
				text(left + w + 4, y + bar - 3, value.toFixed(4), 'start', 10),
			);
		});
	});
	parts.push(
		`<line x1="${left}" y1="${top - 4}" x2="${left}" y2="${height - 30}" stroke="#333"/>`,
		'</svg>',
	);
	return parts.join('\n');
}

/** Latency p50 and p95 against the number of live streams; hollow points fell behind. */
function liveChart(results: BenchResults): string {
	const width = 720;
	const height = 380;
	const left = 70;
	const bottom = height - 50;
	const top = 50;
	const right = width - 30;
	const points = results.live.flatMap((series) =>
		series.trials.map((trial) => ({ series, trial, verdict: judgeLive(trial) })),
	);
	const maxStreams = Math.max(2, ...points.map((point) => point.trial.streams));
	const maxLatency =
		Math.max(
			200,
			...points.map((point) => (Number.isFinite(point.verdict.p95) ? point.verdict.p95 : 0)),
		) * 1.1;
	const x = (streams: number) => left + (streams / maxStreams) * (right - left);
	const y = (ms: number) => bottom - (Math.min(ms, maxLatency) / maxLatency) * (bottom - top);
	const parts = [
		svgOpen(width, height),
		text(
			width / 2,
			20,
			'Live streams against p95 latency from VAD end to text (hollow = falls behind)',
			'middle',
			13,
		),
	];
	parts.push(
		`<line x1="${left}" y1="${bottom}" x2="${right}" y2="${bottom}" stroke="#333"/>`,
		`<line x1="${left}" y1="${top}" x2="${left}" y2="${bottom}" stroke="#333"/>`,
	);
	for (let i = 0; i <= 4; i++) {
		const ms = (maxLatency / 4) * i;
		parts.push(
			text(left - 6, y(ms) + 4, `${ms.toFixed(0)} ms`, 'end', 10),
			`<line x1="${left}" y1="${y(ms)}" x2="${right}" y2="${y(ms)}" stroke="#ddd"/>`,
		);
	}
	for (let i = 0; i <= 4; i++) {
		const streams = Math.round((maxStreams / 4) * i);
		parts.push(text(x(streams), bottom + 16, String(streams), 'middle', 10));
	}
	parts.push(text((left + right) / 2, bottom + 36, 'concurrent streams in one process', 'middle'));
	results.live.forEach((series, s) => {
		const trials = [...series.trials]
			.sort((a, b) => a.streams - b.streams)
			.map((trial) => ({ trial, verdict: judgeLive(trial) }));
		(['p95'] as const).forEach((which) => {
			const colour = COLOURS[s % COLOURS.length];
			const path = trials
				.filter(({ verdict }) => Number.isFinite(verdict[which]))
				.map(
					({ trial, verdict }) => `${x(trial.streams).toFixed(1)},${y(verdict[which]).toFixed(1)}`,
				);
			if (path.length > 1)
				parts.push(
					`<polyline points="${path.join(' ')}" fill="none" stroke="${colour}" stroke-width="2"/>`,
				);
			for (const { trial, verdict } of trials) {
				if (!Number.isFinite(verdict[which])) continue;
				parts.push(
					`<circle cx="${x(trial.streams).toFixed(1)}" cy="${y(verdict[which]).toFixed(1)}" r="4" stroke="${colour}" stroke-width="2" fill="${verdict.sustained ? colour : 'white'}"/>`,
				);
			}
			parts.push(
				`<rect x="${left + 10 + s * 150}" y="30" width="10" height="10" fill="${colour}"/>`,
				text(left + 24 + s * 150, 39, `${series.precision}, ${describeLayout(series)}`),
			);
		});
	});
	parts.push('</svg>');
	return parts.join('\n');
}

function svgOpen(width: number, height: number): string {
	return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">\n<rect width="100%" height="100%" fill="white"/>`;
}

function text(
	x: number,
	y: number,
	content: string,
	anchor: 'start' | 'middle' | 'end' = 'start',
	size = 12,
): string {
	const escaped = content.replace(/&/g, '&amp;').replace(/</g, '&lt;');
	return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${FONT.replace('font-size="12"', `font-size="${size}"`)} text-anchor="${anchor}">${escaped}</text>`;
}
