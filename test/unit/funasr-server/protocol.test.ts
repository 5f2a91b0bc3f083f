import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { firstMessage } from '../../../engine/funasr-server/first-message.js';
import { parseServerResult } from '../../../engine/funasr-server/server-results.js';
import {
	fleetForStream,
	ServerFleet,
	splitServerUrls,
} from '../../../engine/funasr-server/server-fleet.js';
import {
	encodeFrame,
	FrameReader,
	OPCODE,
} from '../../../engine/funasr-server/websocket-frames.js';
import { EngineError } from '../../../engine/errors.js';

describe('first message', () => {
	test('the fields the C++ 2pass server reads; hotwords as one string', () => {
		assert.deepEqual(
			JSON.parse(
				firstMessage({ mode: '2pass', wavName: 'w', hotwords: ['阿里巴巴', '达摩院'], itn: false }),
			),
			{
				mode: '2pass',
				chunk_size: [5, 10, 5],
				wav_name: 'w',
				wav_format: 'pcm',
				audio_fs: 16000,
				is_speaking: true,
				hotwords: '阿里巴巴 达摩院',
				itn: false,
			},
		);
	});
});

describe('server results', () => {
	test('2pass-online is a partial, with or without the 2026 fields', () => {
		assert.deepEqual(
			parseServerResult('{"text":"会议","mode":"2pass-online","wav_name":"w","is_final":false}'),
			{ kind: 'partial', text: '会议' },
		);
		assert.deepEqual(
			parseServerResult(
				'{"text":"开始","mode":"2pass-online","slice_type":1,"index":3,"timestamp":1780000000000,"wav_name":"w","is_final":false}',
			),
			{ kind: 'partial', text: '开始' },
		);
	});

	test('2pass-offline: times from stamp_sents, else timestamp, else start_time/end_time', () => {
		const stamped = parseServerResult(
			JSON.stringify({
				text: '会议开始。',
				mode: '2pass-offline',
				is_final: false,
				timestamp: '[[430,670],[670,810],[810,900],[900,1130]]',
				stamp_sents: [
					{
						text_seg: '会 议 开 始',
						punc: '。',
						start: 430,
						end: 1130,
						ts_list: [
							[430, 670],
							[670, 810],
							[810, 900],
							[900, 1130],
						],
					},
				],
				start_time: 300,
				end_time: 1500,
			}),
		);
		assert.deepEqual(stamped, {
			kind: 'sentence',
			text: '会议开始。',
			isFinal: false,
			startMs: 430,
			endMs: 1130,
			tokens: [
				{ text: '会', startMs: 430, endMs: 670 },
				{ text: '议', startMs: 670, endMs: 810 },
				{ text: '开', startMs: 810, endMs: 900 },
				{ text: '始', startMs: 900, endMs: 1130 },
			],
		});
		assert.deepEqual(
			parseServerResult(
				'{"text":"好。","mode":"2pass-offline","timestamp":"[[10,20],[20,90]]","is_final":false}',
			),
			{ kind: 'sentence', text: '好。', isFinal: false, startMs: 10, endMs: 90 },
		);
		assert.deepEqual(
			parseServerResult(
				'{"text":"好。","mode":"2pass-offline","timestamp":1780000000000,"start_time":300,"end_time":1500,"slice_type":2,"index":0,"is_final":true}',
			),
			{ kind: 'sentence', text: '好。', isFinal: true, startMs: 300, endMs: 1500 },
		);
		assert.deepEqual(parseServerResult('{"text":"好。","mode":"2pass-offline","is_final":false}'), {
			kind: 'sentence',
			text: '好。',
			isFinal: false,
		});
	});

	test('the final answer, a refusal, and garbage', () => {
		assert.deepEqual(parseServerResult('{"text":"","mode":"2pass-offline","is_final":true}'), {
			kind: 'final',
		});
		assert.deepEqual(parseServerResult('{"text":"","wav_name":"w","is_final":true}'), {
			kind: 'final',
		});
		assert.equal(
			parseServerResult(
				'{"text":"ERROR. Real-time transcription service ONLY SUPPORT PCM stream.","is_final":true}',
			).kind,
			'refused',
		);
		assert.throws(() => parseServerResult('<html>502</html>'), /not JSON/);
		assert.throws(() => parseServerResult('{"not":"a result"}'), /without a text field/);
		assert.throws(() => parseServerResult('{"text":"x","mode":"3pass"}'), /unknown mode/);
	});
});

describe('fleet', () => {
	test('turns round the URLs; rejects what is not ws/wss, without the secret', () => {
		const fleet = new ServerFleet(splitServerUrls('ws://a:10095, wss://b:10095\nws://c'), 1);
		assert.deepEqual(
			[fleet.next(), fleet.next(), fleet.next(), fleet.next()],
			['wss://b:10095', 'ws://c', 'ws://a:10095', 'wss://b:10095'],
		);
		assert.throws(
			() => new ServerFleet(['http://user:pw-secret@a:80']),
			(error: unknown) =>
				error instanceof EngineError &&
				error.fatal &&
				/uses http/.test(error.message) &&
				!error.message.includes('pw-secret'),
		);
		assert.throws(() => new ServerFleet([' ']), /No ASR server URL/);
	});

	test('spreads the streams of one list over its servers', () => {
		const urls = ['ws://spread-a:10095', 'ws://spread-b:10095', 'ws://spread-c:10095'];
		const firsts = [1, 2, 3, 4].map(() => fleetForStream(urls).next());
		assert.deepEqual(firsts, [urls[0], urls[1], urls[2], urls[0]]);
		assert.equal(fleetForStream(['ws://alone:10095']).next(), 'ws://alone:10095');
	});

	test('names the ws:// URLs whose login or token would travel in clear text, redacted', () => {
		const fleet = new ServerFleet([
			'ws://user:pw-secret@a:10095',
			'ws://b:10095/?token=tk-secret',
			'ws://c:10095',
			'wss://user:pw-secret@d:10095',
		]);
		const named = fleet.clearTextSecrets;
		assert.equal(named.length, 2);
		assert.match(named[0], /^ws:\/\/.*a:10095/);
		assert.match(named[1], /^ws:\/\/b:10095/);
		assert.ok(
			named.every((url) => !url.includes('secret')),
			named.join(' '),
		);
	});
});

describe('websocket frames', () => {
	test('masked and unmasked frames of every length class read back, byte by byte', () => {
		for (const size of [0, 125, 126, 65535, 65536]) {
			for (const masked of [true, false]) {
				const payload = Buffer.alloc(size, 7);
				const frame = encodeFrame(OPCODE.binary, payload, masked);
				const reader = new FrameReader();
				const out = [];
				for (let i = 0; i < frame.length; i += 1000)
					out.push(...reader.push(frame.subarray(i, i + 1000)));
				assert.equal(out.length, 1);
				assert.equal(out[0].opcode, OPCODE.binary);
				assert.ok(out[0].payload.equals(payload), `${size} ${masked}`);
			}
		}
	});

	test('a fragmented message comes out whole; control frames pass between fragments', () => {
		const first = encodeFrame(OPCODE.text, Buffer.from('会'), false);
		first[0] &= 0x7f;
		const ping = encodeFrame(OPCODE.ping, Buffer.alloc(0), false);
		const last = encodeFrame(OPCODE.continuation, Buffer.from('议'), false);
		const frames = new FrameReader().push(Buffer.concat([first, ping, last]));
		assert.deepEqual(
			frames.map((frame) => [frame.opcode, frame.payload.toString()]),
			[
				[OPCODE.ping, ''],
				[OPCODE.text, '会议'],
			],
		);
	});

	test('garbage throws', () => {
		assert.throws(
			() => new FrameReader().push(Buffer.from('HTTP/1.1 200 OK\r\n')),
			/reserved bits|continuation/,
		);
	});
});
