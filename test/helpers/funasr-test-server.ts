// A FunASR 2pass websocket server for tests, faithful to FunASR's C++ funasr-wss-server-2pass
// (runtime/websocket/bin/websocket-server-2pass.cpp, HEAD of 2026-08) where a client can tell:
// - the first text message is read as on_message reads it: a JSON parse failure ends the
//   connection's decoding (is_eof); `hotwords` must be a string (the C++ conversion throws outside
//   its try block: the connection is dropped here); without a valid `chunk_size` (3 numbers, the
//   middle one non-zero) no online handle exists and nothing is ever decoded;
// - binary frames are decoded in steps of 800 samples (50 ms); a non-pcm `wav_format` decodes
//   nothing and the end of audio answers "ERROR. Real-time transcription service ONLY SUPPORT PCM
//   stream." with is_final;
// - results: `2pass-online` deltas while someone speaks (every 600 ms of audio), one
//   `2pass-offline` per VAD segment (FunASR appends the sentence's punctuation; here "。"), no
//   message with empty text except the answer to `is_speaking: false` / `is_finished: true`,
//   which has `is_final: true`; afterwards the audio index starts again at 0;
// - `release: 'head'` adds the 2026 fields (slice_type, index, start_time, end_time, a numeric
//   timestamp); 'released' (the docker images before them) sends none of them;
// - `timestamps: true` plays a timestamp model: `timestamp` "[[ms,ms],…]" and `stamp_sents`.
// Segmentation is the project's FSMN-VAD; recognition the toy Paraformer (both in this process).
// It can misbehave: close mid-sentence, go silent (no answers, no pongs), answer garbage.
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { acceptWebSocket, WebSocket } from '../../engine/funasr-server/websocket.js';
import { Paraformer } from '../../engine/asr/paraformer.js';
import { FsmnVadModel, StreamingVad } from '../../engine/vad/streaming-vad.js';
import { sharedPath } from './paths.js';

export type Misbehaviour =
	/** Drops the TCP connection (no close frame) once a partial of a sentence was sent. */
	| 'close-mid-sentence'
	/** Keeps the connection but answers nothing more, pings included. */
	| 'silent'
	/** Answers text that is no FunASR result. */
	| 'garbage';

export interface FunasrTestServerOptions {
	release?: 'head' | 'released';
	timestamps?: boolean;
	/** PEM certificate and key: wss:// instead of ws://. */
	tls?: { cert: string; key: string };
	misbehave?: Misbehaviour;
	/** Default: any free port. */
	port?: number;
}

export interface FirstMessageSeen {
	raw: string;
	parsed: Record<string, unknown> | null;
}

const STEP_SAMPLES = 800;
const ONLINE_CHUNK_MS = 600;

interface Models {
	vad: FsmnVadModel;
	asr: Paraformer;
}
let shared: Promise<Models> | null = null;

function models(): Promise<Models> {
	shared ??= (async () => ({
		vad: await FsmnVadModel.load(sharedPath('models', 'fsmn-vad')),
		asr: await Paraformer.load(sharedPath('models', 'toy-paraformer-zh')),
	}))();
	return shared;
}

/** Releases the models the servers of this process share. */
export async function releaseTestServerModels(): Promise<void> {
	const loaded = await shared;
	shared = null;
	await loaded?.asr.release();
	await loaded?.vad.release();
}

export class FunasrTestServer {
	readonly firstMessages: FirstMessageSeen[] = [];
	/** Connections accepted so far. */
	connections = 0;
	/** Audio bytes received, all connections. */
	audioBytes = 0;
	/** `is_speaking: false` / `is_finished: true` messages received, all connections. */
	endsOfAudio = 0;
	misbehave: Misbehaviour | undefined;
	private readonly sockets = new Set<WebSocket>();
	private readonly raw = new Set<Duplex>();

	private constructor(
		private readonly server: Server,
		private readonly options: FunasrTestServerOptions,
		private readonly loaded: Models,
	) {
		this.misbehave = options.misbehave;
	}

	static async start(options: FunasrTestServerOptions = {}): Promise<FunasrTestServer> {
		const loaded = await models();
		const server = options.tls
			? createHttpsServer({ cert: options.tls.cert, key: options.tls.key })
			: createHttpServer();
		const instance = new FunasrTestServer(server, options, loaded);
		server.on('upgrade', (request, socket, head) => {
			instance.raw.add(socket);
			socket.once('close', () => instance.raw.delete(socket));
			const websocket = acceptWebSocket(request, socket, head);
			if (instance.misbehave === 'silent') socket.pause();
			instance.accept(websocket);
		});
		server.on('connection', (socket) => {
			instance.raw.add(socket);
			socket.once('close', () => instance.raw.delete(socket));
		});
		await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
		return instance;
	}

	get port(): number {
		return (this.server.address() as AddressInfo).port;
	}

	get url(): string {
		return `${this.options.tls ? 'wss' : 'ws'}://127.0.0.1:${this.port}`;
	}

	/** From now on answers nothing, pings included: its sockets are no longer read. */
	goSilent(): void {
		this.misbehave = 'silent';
		for (const socket of this.raw) socket.pause();
	}

	/** Drops every open connection at once (a server restart). */
	dropAll(): void {
		for (const socket of this.raw) socket.destroy();
	}

	async close(): Promise<void> {
		for (const socket of this.sockets) socket.destroy();
		for (const socket of this.raw) socket.destroy();
		await new Promise<void>((resolve) => this.server.close(() => resolve()));
	}

	private accept(socket: WebSocket): void {
		this.connections++;
		this.sockets.add(socket);
		socket.once('closed', () => this.sockets.delete(socket));
		const connection = new Connection(socket, this, this.options, this.loaded);
		socket.on('text', (text) => connection.onText(text));
		socket.on('binary', (data) => {
			this.audioBytes += data.length;
			connection.onAudio(data);
		});
	}
}

/** One client connection: FUNASR_MESSAGE's state in websocket-server-2pass.cpp. */
class Connection {
	private msg = { mode: '2pass', wav_name: 'wav-default-id', wav_format: 'pcm', itn: true };
	private eof = false;
	private configured = false;
	private onlineHandle = false;
	private pending = Buffer.alloc(0);
	/** All audio of the current stream (since the connection or the last is_final), for recognition. */
	private audio: Float32Array[] = [];
	private audioSamples = 0;
	private vad: StreamingVad;
	private work: Promise<void> = Promise.resolve();
	private sentenceIndex = 0;
	private sentenceStarted = false;
	/** Where the sentence in progress starts (the last segment's end), and what its partials said. */
	private openFromMs = 0;
	private onlineText = '';
	private onlineDoneMs = 0;
	private readonly openedAt = Date.now();

	constructor(
		private readonly socket: WebSocket,
		private readonly server: FunasrTestServer,
		private readonly options: FunasrTestServerOptions,
		private readonly models: Models,
	) {
		this.vad = new StreamingVad(models.vad);
	}

	onText(payload: string): void {
		if (this.eof || this.server.misbehave === 'silent') return;
		let json: Record<string, unknown>;
		try {
			json = JSON.parse(payload) as Record<string, unknown>;
		} catch {
			this.eof = true;
			if (!this.configured) this.server.firstMessages.push({ raw: payload, parsed: null });
			return;
		}
		if (!this.configured) this.server.firstMessages.push({ raw: payload, parsed: json });
		if (typeof json.wav_name === 'string') this.msg.wav_name = json.wav_name;
		if (typeof json.mode === 'string') this.msg.mode = json.mode;
		if (typeof json.wav_format === 'string') this.msg.wav_format = json.wav_format;
		if (!this.configured) {
			if (
				json.hotwords !== undefined &&
				json.hotwords !== null &&
				typeof json.hotwords !== 'string'
			) {
				// nlohmann's conversion to std::string throws outside on_message's try block.
				this.socket.destroy();
				return;
			}
			this.configured = true;
		}
		if (json.chunk_size !== undefined && !this.onlineHandle) {
			const chunk = json.chunk_size;
			if (
				Array.isArray(chunk) &&
				chunk.length === 3 &&
				chunk.every(Number.isInteger) &&
				chunk[1] !== 0
			)
				this.onlineHandle = true;
			else return; // "Wrong chunk_size!": the rest of this message is not read.
		}
		if (typeof json.itn === 'boolean') this.msg.itn = json.itn;
		if (json.is_speaking === false || json.is_finished === true) {
			this.server.endsOfAudio++;
			this.queue(() => this.decode(true));
		}
	}

	onAudio(data: Buffer): void {
		if (this.eof || !this.configured || this.server.misbehave === 'silent') return;
		this.pending = Buffer.concat([this.pending, data]);
		if (this.pending.length > STEP_SAMPLES * 2) this.queue(() => this.decode(false));
	}

	private queue(step: () => Promise<void>): void {
		this.work = this.work.then(step).catch(() => this.socket.destroy());
	}

	/** do_decoder: whole 800-sample steps, or everything left at the end. */
	private async decode(isFinal: boolean): Promise<void> {
		if (!this.onlineHandle || !this.socket.isOpen) return;
		const pcm = this.msg.wav_format.toLowerCase() === 'pcm';
		const bytes = isFinal
			? this.pending.length - (this.pending.length % 2)
			: this.pending.length - (this.pending.length % (STEP_SAMPLES * 2));
		const step = this.pending.subarray(0, bytes);
		this.pending = this.pending.subarray(bytes);
		if (pcm)
			for (let at = 0; at < step.length; at += STEP_SAMPLES * 2) {
				const part = step.subarray(at, at + STEP_SAMPLES * 2);
				const samples = new Float32Array(part.length / 2);
				for (let i = 0; i < samples.length; i++) samples[i] = part.readInt16LE(i * 2);
				this.audio.push(samples);
				this.audioSamples += samples.length;
				for (const segment of await this.vad.accept(samples)) await this.offline(segment, false);
				await this.online();
				if (!this.socket.isOpen) return;
			}
		if (!isFinal) return;
		if (!pcm) {
			this.send({
				text: 'ERROR. Real-time transcription service ONLY SUPPORT PCM stream.',
				wav_name: this.msg.wav_name,
				is_final: true,
			});
			return;
		}
		const last = await this.vad.finish();
		for (const [i, segment] of last.entries()) await this.offline(segment, i === last.length - 1);
		if (last.length === 0) this.send(this.result({ text: '', is_final: true }));
		this.audio = [];
		this.audioSamples = 0;
		this.openFromMs = 0;
		this.onlineDoneMs = 0;
		this.onlineText = '';
		this.vad = new StreamingVad(this.models.vad);
	}

	/** The online pass: the open sentence's text so far, sent as the part not sent yet. */
	private async online(): Promise<void> {
		const nowMs = this.audioSamples / 16;
		if (nowMs - this.onlineDoneMs < ONLINE_CHUNK_MS) return;
		this.onlineDoneMs = nowMs;
		if (this.msg.mode === 'offline') return;
		const [recognized] = await this.models.asr.recognize([this.slice(this.openFromMs, nowMs)]);
		const text = recognized.text.replace(/\s+/g, '');
		if (!text.startsWith(this.onlineText) || text === this.onlineText) return;
		const delta = text.slice(this.onlineText.length);
		this.onlineText = text;
		const started = this.sentenceStarted;
		this.sentenceStarted = true;
		this.send(
			this.result(
				{ text: delta, mode: '2pass-online', is_final: false },
				{ slice_type: started ? 1 : 0, index: this.sentenceIndex },
			),
		);
		if (this.server.misbehave === 'close-mid-sentence') this.socket.destroy();
	}

	private async offline(
		segment: { startMs: number; endMs: number },
		isFinal: boolean,
	): Promise<void> {
		const [recognized] = await this.models.asr.recognize([
			this.slice(segment.startMs, segment.endMs),
		]);
		this.openFromMs = segment.endMs;
		this.onlineText = '';
		const text = recognized.text.replace(/\s+/g, '');
		this.sentenceStarted = false;
		if (this.server.misbehave === 'garbage') {
			this.socket.sendText('<html>502 Bad Gateway</html>');
			return;
		}
		if (text === '') {
			if (isFinal) this.send(this.result({ text: '', is_final: true }));
			return;
		}
		const punctuated = `${text}。`;
		const stamps = this.options.timestamps ? timestampsOf(text, segment) : undefined;
		this.send(
			this.result(
				{
					text: punctuated,
					mode: '2pass-offline',
					is_final: isFinal,
					...(stamps
						? {
								timestamp: JSON.stringify(stamps),
								stamp_sents: [
									{
										text_seg: [...text].join(' '),
										punc: '。',
										start: stamps[0][0],
										end: stamps.at(-1)![1],
										ts_list: stamps,
									},
								],
							}
						: {}),
				},
				{
					slice_type: 2,
					index: this.sentenceIndex,
					start_time: segment.startMs,
					end_time: segment.endMs,
				},
			),
		);
		this.sentenceIndex++;
	}

	private slice(fromMs: number, toMs: number): Float32Array {
		const from = Math.max(0, Math.floor(fromMs * 16));
		const to = Math.min(this.audioSamples, Math.floor(toMs * 16));
		const out = new Float32Array(Math.max(0, to - from));
		let offset = 0;
		for (const chunk of this.audio) {
			const chunkEnd = offset + chunk.length;
			if (chunkEnd > from && offset < to) {
				const start = Math.max(from, offset);
				const end = Math.min(to, chunkEnd);
				out.set(chunk.subarray(start - offset, end - offset), start - from);
			}
			offset = chunkEnd;
		}
		return out;
	}

	/** handle_result: the fields every release sends, and those only the 2026 servers add. */
	private result(
		fields: Record<string, unknown>,
		head: Record<string, unknown> = {},
	): Record<string, unknown> {
		const release = this.options.release ?? 'head';
		return {
			...(release === 'head' ? { timestamp: this.openedAt, ...head } : {}),
			...fields,
			wav_name: this.msg.wav_name,
		};
	}

	private send(result: Record<string, unknown>): void {
		if (this.server.misbehave === 'silent' || !this.socket.isOpen) return;
		if (this.server.misbehave === 'garbage') {
			this.socket.sendText('{"not":"a result"');
			return;
		}
		this.socket.sendText(JSON.stringify(result));
	}
}

/** A timestamp model's character times: the segment shared out evenly (the toy model has none). */
function timestampsOf(
	text: string,
	segment: { startMs: number; endMs: number },
): [number, number][] {
	const characters = [...text];
	const step = (segment.endMs - segment.startMs) / characters.length;
	return characters.map((_, i) => [
		Math.round(segment.startMs + i * step),
		Math.round(segment.startMs + (i + 1) * step),
	]);
}
