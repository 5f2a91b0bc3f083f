// Checks the toy SenseVoice on onnxruntime-node without the engine's recognizer: the project's FunASR front end
// (dist/engine/frontend, so run `npm run build` first) -> model.onnx -> greedy CTC as FunASR's C++ runtime
// (argmax over encoder_out_lens frames, collapse repeats, drop blank 0; tokens[0..3] are language, emotion,
// event and ITN tags; the rest is text, a piece containing U+2581 becoming " " + the piece after it).
// Usage: node tools/toy-sensevoice/ort-check.mjs MODEL_DIR AUDIO_DIR [--language auto|zh|en|...] [--itn] [--quiet]
// AUDIO_DIR/transcripts.json: { "file.wav": { language, text, textWithItn } | { sentences: [{ language, text,
// textWithItn, startS, endS }] } }; a file with sentences is cut at each sentence (0.2 s before, 0.3 s after).
import { readFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dist = (p) => import(pathToFileURL(join(repo, 'dist', p)).href);
const ort = createRequire(join(repo, 'package.json'))('onnxruntime-node');
const { readWav } = await dist('engine/source/wav.js');
const { loadFrontendOptions } = await dist('engine/frontend/frontend-options.js');
const { loadCmvn } = await dist('engine/frontend/cmvn.js');
const { computeFeatures } = await dist('engine/frontend/feature-extractor.js');

const LID = { auto: 0, zh: 3, en: 4, yue: 7, ja: 11, ko: 12, nospeech: 13 };
const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const [modelDir, audioDir] = args.filter(
	(a, i) => !a.startsWith('--') && args[i - 1] !== '--language',
);
const language = option('--language', 'auto');
const itn = flag('--itn');
const quiet = flag('--quiet');

const tokens = JSON.parse(readFileSync(join(modelDir, 'tokens.json'), 'utf8'));
const frontend = loadFrontendOptions(modelDir);
const cmvn = loadCmvn(join(modelDir, 'am.mvn'));
const session = await ort.InferenceSession.create(join(modelDir, 'model.onnx'));
console.log('inputs', session.inputNames, 'outputs', session.outputNames, 'tokens', tokens.length);

async function run(featureList) {
	const batch = featureList.length;
	const T = Math.max(...featureList.map((f) => f.rows));
	const speech = new Float32Array(batch * T * 560);
	featureList.forEach((f, b) => speech.set(f.data, b * T * 560));
	const out = await session.run({
		speech: new ort.Tensor('float32', speech, [batch, T, 560]),
		speech_lengths: new ort.Tensor('int32', Int32Array.from(featureList.map((f) => f.rows)), [
			batch,
		]),
		language: new ort.Tensor('int32', new Int32Array(batch).fill(LID[language]), [batch]),
		textnorm: new ort.Tensor('int32', new Int32Array(batch).fill(itn ? 14 : 15), [batch]),
	});
	const logits = out.ctc_logits;
	const [, frames, vocab] = logits.dims;
	if (vocab !== tokens.length)
		throw new Error(`logits have ${vocab} columns, tokens.json ${tokens.length}`);
	return featureList.map((f, b) => {
		const lens = Number(out.encoder_out_lens.data[b]);
		if (lens !== f.rows + 4)
			throw new Error(`encoder_out_lens ${lens} != speech_lengths + 4 (${f.rows + 4})`);
		return {
			full: decode(logits.data, b * frames * vocab, lens, vocab),
			cpp: decode(logits.data, b * frames * vocab, f.rows, vocab),
		};
	});
}

/** FunASR C++ SenseVoiceSmall::CTCSearch, without its "." / "。" appended after <|withitn|>. */
function decode(data, offset, frames, vocab) {
	const ids = [];
	let prev = -1;
	for (let t = 0; t < frames; t++) {
		let best = 0;
		for (let v = 1; v < vocab; v++)
			if (data[offset + t * vocab + v] > data[offset + t * vocab + best]) best = v;
		if (best !== 0 && best !== prev) ids.push(best);
		prev = best;
	}
	const text = ids
		.slice(4)
		.map((id) => (tokens[id].includes('\u2581') ? ' ' + tokens[id].slice(1) : tokens[id]))
		.join('');
	const [lang, emotion, event, itnTag] = ids.slice(0, 4).map((id) => tokens[id]);
	return { lang, emotion, event, itnTag, text: text.trim() };
}

function edit(a, b) {
	const d = Array.from({ length: b.length + 1 }, (_, j) => j);
	for (let i = 1; i <= a.length; i++) {
		let p = d[0];
		d[0] = i;
		for (let j = 1; j <= b.length; j++) {
			const q = d[j];
			d[j] = Math.min(d[j] + 1, d[j - 1] + 1, p + (a[i - 1] === b[j - 1] ? 0 : 1));
			p = q;
		}
	}
	return d[b.length];
}

const transcripts = JSON.parse(readFileSync(join(audioDir, 'transcripts.json'), 'utf8'));
const items = [];
for (const [file, entry] of Object.entries(transcripts)) {
	const { samples, sampleRate } = readWav(join(audioDir, file));
	if (sampleRate !== 16000) throw new Error(`${file}: ${sampleRate} Hz`);
	const cuts = entry.sentences
		? entry.sentences.map((s, i) => ({
				...s,
				name: `${file}#${i}`,
				samples: samples.subarray(
					Math.max(0, Math.round((s.startS - 0.2) * 16000)),
					Math.round((s.endS + 0.3) * 16000),
				),
			}))
		: [{ ...entry, name: file, samples }];
	for (const c of cuts) items.push({ ...c, features: computeFeatures(c.samples, frontend, cmvn) });
}
const score = {
	enErr: 0,
	enWords: 0,
	zhErr: 0,
	zhChars: 0,
	langOk: 0,
	itnOk: 0,
	exact: 0,
	cppSame: 0,
};
const started = performance.now();
const results = [];
for (const item of items) results.push((await run([item.features]))[0]);
const msPerRun = (performance.now() - started) / items.length;
items.forEach((item, k) => {
	const { full, cpp } = results[k];
	const ref = itn ? item.textWithItn : item.text;
	if (item.language === 'en') {
		score.enErr += edit(ref.split(' '), full.text.split(' '));
		score.enWords += ref.split(' ').length;
	} else {
		score.zhErr += edit([...ref], [...full.text]);
		score.zhChars += [...ref].length;
	}
	score.langOk += full.lang === `<|${item.language}|>`;
	score.itnOk += full.itnTag === (itn ? '<|withitn|>' : '<|woitn|>');
	score.exact += full.text === ref;
	score.cppSame += cpp.text === full.text && cpp.lang === full.lang;
	if (!quiet || full.text !== ref || full.lang !== `<|${item.language}|>`)
		console.log(
			`${item.name}  T=${item.features.rows}\n  REF: <|${item.language}|> ${ref}\n  HYP: ${full.lang}${full.emotion}${full.event}${full.itnTag} ${full.text}`,
		);
});
const sample = items.slice(0, 5);
const batched = await run(sample.map((i) => i.features));
const batchSame = batched.every(
	(r, k) => JSON.stringify(r.full) === JSON.stringify(results[k].full),
);
console.log(`batch of ${sample.length} (zero-padded) same as single runs: ${batchSame}`);
const pct = (a, b) => (b ? ((100 * a) / b).toFixed(2) : '-');
console.log(
	`utterances ${items.length} (language=${language}, textnorm=${itn ? 'withitn' : 'woitn'}): English WER ${pct(score.enErr, score.enWords)}% (${score.enErr}/${score.enWords}), ` +
		`Mandarin CER ${pct(score.zhErr, score.zhChars)}% (${score.zhErr}/${score.zhChars}), exact ${score.exact}/${items.length}, ` +
		`language tag ${score.langOk}/${items.length}, ITN tag ${score.itnOk}/${items.length}, ` +
		`C++ loop over speech_lengths only gives the same ${score.cppSame}/${items.length}, ${msPerRun.toFixed(1)} ms/run`,
);
