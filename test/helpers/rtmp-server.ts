import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { boundToParent } from '../../engine/source/child-lifetime.js';
import { freePort } from './free-port.js';

export const RTMP_MODULE = '/usr/lib/nginx/modules/ngx_rtmp_module.so';

export interface RtmpServerOptions {
	/** Only this stream name may publish or play (on_publish/on_play, answered by nginx itself: 200 or 403). */
	streamKey?: string;
	/** `wait_video on; wait_key on;`: players get nothing, audio included, before a video key frame. */
	waitVideo?: boolean;
	/** `publish_notify on; play_restart on; idle_streams off;`: players see a publisher leave, and unknown streams are refused. */
	notifyPlayers?: boolean;
	/** nginx binary; default `nginx` on PATH. */
	nginxPath?: string;
}

export interface RtmpServer {
	readonly port: number;
	/** The pid of the running nginx, undefined while stopped. */
	readonly pid: number | undefined;
	url(application?: string, key?: string): string;
	/** Ends nginx (SIGTERM, SIGKILL after 2 s) and removes its files. */
	stop(): Promise<void>;
	/** Sends a signal to nginx, e.g. SIGKILL for a crash; the server is then stopped for good or restarted. */
	kill(signal?: NodeJS.Signals): void;
	/** Starts nginx again on the same port, with the same configuration. */
	restart(): Promise<void>;
	/** nginx's error log (level info: connections, plays, publishes). */
	log(): string;
}

const START_TIMEOUT_MS = 5000;
const STOP_GRACE_MS = 2000;

/**
 * nginx with the RTMP module, unprivileged and in the foreground, on 127.0.0.1 and a free port,
 * with its own temporary prefix; resolves once it accepts TCP connections. Application `live`.
 */
export async function startRtmpServer(options: RtmpServerOptions = {}): Promise<RtmpServer> {
	const dir = mkdtempSync(join(tmpdir(), 'rtmp-server-'));
	try {
		for (let attempt = 1; ; attempt++) {
			const port = await freePort();
			const httpPort = options.streamKey === undefined ? undefined : await freePort();
			writeFileSync(join(dir, 'nginx.conf'), nginxConfig(dir, port, httpPort, options));
			try {
				const nginx = await launch(dir, port, options.nginxPath);
				return new NginxRtmpServer(dir, port, nginx, options.nginxPath);
			} catch (error) {
				// Another process may have taken the free port between the probe and nginx's bind.
				if (attempt >= 3 || !/Address already in use/.test(String(error))) throw error;
			}
		}
	} catch (error) {
		rmSync(dir, { recursive: true, force: true });
		throw error;
	}
}

type NginxProcess = Awaited<ReturnType<typeof launch>>;

class NginxRtmpServer implements RtmpServer {
	private stopped = false;

	constructor(
		private readonly dir: string,
		readonly port: number,
		private process: NginxProcess | undefined,
		private readonly nginxPath: string | undefined,
	) {}

	get pid(): number | undefined {
		return this.process?.subprocess.pid;
	}

	url(application = 'live', key = 'stream'): string {
		return `rtmp://127.0.0.1:${this.port}/${application}/${key}`;
	}

	kill(signal: NodeJS.Signals = 'SIGTERM'): void {
		this.process?.subprocess.kill(signal);
	}

	async restart(): Promise<void> {
		if (this.stopped) throw new Error('The RTMP server was stopped for good.');
		await this.end();
		this.process = await launch(this.dir, this.port, this.nginxPath);
	}

	async stop(): Promise<void> {
		this.stopped = true;
		await this.end();
		rmSync(this.dir, { recursive: true, force: true });
	}

	log(): string {
		try {
			return readFileSync(join(this.dir, 'error.log'), 'utf8');
		} catch {
			return '';
		}
	}

	private async end(): Promise<void> {
		const running = this.process;
		this.process = undefined;
		if (!running) return;
		running.subprocess.kill('SIGTERM');
		await running.exited;
	}
}

async function launch(dir: string, port: number, nginxPath = 'nginx') {
	const command = boundToParent(nginxPath, [
		'-p',
		`${dir}/`,
		'-c',
		join(dir, 'nginx.conf'),
		'-e',
		join(dir, 'error.log'),
	]);
	const subprocess = execa(command.file, command.args, {
		stdin: 'ignore',
		reject: false,
		cleanup: true,
		forceKillAfterDelay: STOP_GRACE_MS,
	});
	let exited = false;
	const exitedPromise = subprocess.then((result) => {
		exited = true;
		return result;
	});
	const deadline = performance.now() + START_TIMEOUT_MS;
	while (!(await accepts(port))) {
		if (exited || performance.now() > deadline) {
			subprocess.kill('SIGKILL');
			const result = await exitedPromise;
			const log = readFileSync(join(dir, 'error.log'), { encoding: 'utf8', flag: 'a+' });
			throw new Error(
				`nginx did not start on port ${port}: ${String(result.stderr)} ${log}`.trim(),
			);
		}
		await sleep(20);
	}
	return { subprocess, exited: exitedPromise };
}

function accepts(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const socket = connect(port, '127.0.0.1');
		socket.once('connect', () => {
			socket.destroy();
			resolve(true);
		});
		socket.once('error', () => resolve(false));
	});
}

function nginxConfig(
	dir: string,
	port: number,
	httpPort: number | undefined,
	options: RtmpServerOptions,
): string {
	const key = options.streamKey;
	if (key !== undefined && !/^[A-Za-z0-9_-]+$/.test(key))
		throw new Error(
			`Stream key "${key}" must be letters, digits, - or _ (it goes into nginx.conf).`,
		);
	const live = [
		'live on;',
		...(options.waitVideo ? ['wait_video on;', 'wait_key on;'] : []),
		...(options.notifyPlayers
			? ['publish_notify on;', 'play_restart on;', 'idle_streams off;']
			: []),
		// notify_method get: the stream name arrives as $arg_name (POST would put it in the body).
		...(httpPort === undefined
			? []
			: [
					'notify_method get;',
					`on_publish http://127.0.0.1:${httpPort}/auth;`,
					`on_play http://127.0.0.1:${httpPort}/auth;`,
				]),
	];
	const http =
		httpPort === undefined
			? ''
			: `http {
	access_log off;
	client_body_temp_path ${dir}/client_body;
	proxy_temp_path ${dir}/proxy;
	fastcgi_temp_path ${dir}/fastcgi;
	uwsgi_temp_path ${dir}/uwsgi;
	scgi_temp_path ${dir}/scgi;
	server {
		listen 127.0.0.1:${httpPort};
		location = /auth {
			if ($arg_name = "${key}") { return 200; }
			return 403;
		}
	}
}
`;
	return `load_module ${RTMP_MODULE};
daemon off;
master_process off;
error_log ${dir}/error.log info;
pid ${dir}/nginx.pid;
events {
	worker_connections 256;
}
rtmp {
	server {
		listen 127.0.0.1:${port};
		application live {
			${live.join('\n\t\t\t')}
		}
	}
}
${http}`;
}
