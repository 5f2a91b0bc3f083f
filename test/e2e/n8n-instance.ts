import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { boundToParent } from '../../engine/source/child-lifetime.js';
import { freePort } from '../helpers/free-port.js';
import { REPO_ROOT } from '../helpers/paths.js';

/**
 * A real n8n for end-to-end tests: installed once into a cache outside the repository by
 * scripts/install-n8n.sh, run from a temporary user folder on a loopback port, offline and quiet.
 */

/** n8n's directory (with node_modules/n8n); installs it on first use (about 6 minutes). */
export async function installN8n(): Promise<string> {
	const result = await execa('bash', [join(REPO_ROOT, 'scripts', 'install-n8n.sh')], {
		reject: false,
		env: { PATH: `${join(REPO_ROOT, 'node_modules', '.bin')}:${process.env.PATH}` },
	});
	if (result.exitCode !== 0)
		throw new Error(
			`scripts/install-n8n.sh failed (${result.exitCode}): ${String(result.stderr).slice(-2000)}`,
		);
	return String(result.stdout).trim().split('\n').pop()!;
}

/** `npm pack` of the repository as it is built now; the tarball lands in `destination`. */
export async function packRepository(destination: string): Promise<string> {
	const result = await execa('npm', ['pack', '--pack-destination', destination, '--json'], {
		cwd: REPO_ROOT,
		env: { PATH: `${join(REPO_ROOT, 'node_modules', '.bin')}:${process.env.PATH}` },
	});
	const [packed] = JSON.parse(String(result.stdout)) as { filename: string }[];
	return join(destination, packed!.filename);
}

/**
 * Installs a package tarball the way n8n 2.40's community-package service does (Settings →
 * Community Nodes): unpacked into `<user folder>/.n8n/nodes/node_modules/<name>`, its dev, peer
 * and optional dependencies removed, then `npm install` inside it without scripts; the package is
 * listed in `.n8n/nodes/package.json`. n8n loads every n8n-nodes-* package there when it starts.
 */
export async function installCommunityPackage(
	userFolder: string,
	tarball: string,
): Promise<{ name: string; version: string; directory: string }> {
	const nodesDir = join(userFolder, '.n8n', 'nodes');
	const staging = join(nodesDir, 'staging');
	mkdirSync(staging, { recursive: true });
	await execa('tar', ['-xzf', tarball, '-C', staging, '--strip-components=1']);
	const manifest = JSON.parse(readFileSync(join(staging, 'package.json'), 'utf8')) as Record<
		string,
		unknown
	> & { name: string; version: string };
	const {
		devDependencies: _dev,
		peerDependencies: _peer,
		optionalDependencies: _optional,
		...kept
	} = manifest;
	const directory = join(nodesDir, 'node_modules', manifest.name);
	mkdirSync(join(nodesDir, 'node_modules'), { recursive: true });
	await execa('mv', [staging, directory]);
	writeFileSync(join(directory, 'package.json'), JSON.stringify(kept, null, 2));
	await execa(
		'npm',
		[
			'install',
			'--audit=false',
			'--fund=false',
			'--bin-links=false',
			'--install-strategy=shallow',
			'--ignore-scripts=true',
			'--package-lock=false',
		],
		{
			cwd: directory,
			env: {
				PATH: `${join(REPO_ROOT, 'node_modules', '.bin')}:${process.env.PATH}`,
				ONNXRUNTIME_NODE_INSTALL: 'skip',
			},
		},
	);
	writeFileSync(
		join(nodesDir, 'package.json'),
		JSON.stringify(
			{
				name: 'installed-nodes',
				private: true,
				dependencies: { [manifest.name]: manifest.version },
			},
			null,
			2,
		),
	);
	return { name: manifest.name, version: manifest.version, directory };
}

export interface N8nOptions {
	n8nDir: string;
	userFolder: string;
	/** Folders n8n's file nodes may read and write. */
	fileAccess: string;
	/** Set on top of the private defaults (queue mode: the database, Redis, the encryption key). */
	environment?: Record<string, string>;
}

/** The environment of a private, offline n8n. */
export function n8nEnvironment(options: N8nOptions, port: number): Record<string, string> {
	return {
		PATH: `${join(REPO_ROOT, 'node_modules', '.bin')}:${process.env.PATH}`,
		HOME: options.userFolder,
		N8N_USER_FOLDER: options.userFolder,
		N8N_PORT: String(port),
		N8N_LISTEN_ADDRESS: '127.0.0.1',
		N8N_HOST: '127.0.0.1',
		N8N_PROTOCOL: 'http',
		DB_TYPE: 'sqlite',
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_HIRING_BANNER_ENABLED: 'false',
		N8N_SECURE_COOKIE: 'false',
		N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
		N8N_RESTRICT_FILE_ACCESS_TO: options.fileAccess,
		N8N_LOG_LEVEL: 'info',
		N8N_LOG_OUTPUT: 'console',
		NODE_ENV: 'production',
		...options.environment,
	};
}

/** Runs an n8n CLI command (import:workflow, publish:workflow…) against the user folder. */
export async function n8nCommand(options: N8nOptions, args: string[]): Promise<string> {
	const result = await execa(process.execPath, [n8nBin(options), ...args], {
		env: n8nEnvironment(options, 5678),
		reject: false,
		all: true,
	});
	if (result.exitCode !== 0)
		throw new Error(
			`n8n ${args.join(' ')} failed (${result.exitCode}): ${String(result.all).slice(-3000)}`,
		);
	return String(result.all);
}

function n8nBin(options: N8nOptions): string {
	return join(options.n8nDir, 'node_modules', 'n8n', 'bin', 'n8n');
}

export interface RunningN8n {
	readonly baseUrl: string;
	readonly pid: number;
	/** n8n's output so far. */
	log(): string;
	/** SIGTERM (n8n deactivates its workflows, calling their closeFunction), SIGKILL after 20 s. */
	stop(): Promise<void>;
	/** SIGKILL, as a crash or an OOM kill would end it; resolves once it has exited. */
	kill(): Promise<void>;
}

/**
 * Starts `n8n start` (a main) or `n8n worker` (queue mode) and resolves when /healthz/readiness
 * answers: the main's on its port, the worker's on its health-check server.
 */
export async function startN8n(
	options: N8nOptions,
	role: 'main' | 'worker' = 'main',
	timeoutMs = 120_000,
): Promise<RunningN8n> {
	const port = await freePort();
	// n8n's task broker (for Code nodes) listens on 5679 by default: a main and a worker side by side need two ports.
	const brokerPort = await freePort();
	const command = boundToParent(process.execPath, [
		n8nBin(options),
		...(role === 'main' ? ['start'] : ['worker']),
	]);
	const workerServer = {
		QUEUE_HEALTH_CHECK_ACTIVE: 'true',
		QUEUE_HEALTH_CHECK_PORT: String(port),
		N8N_WORKER_SERVER_ADDRESS: '127.0.0.1',
	};
	const subprocess = execa(command.file, command.args, {
		env: {
			...n8nEnvironment(options, port),
			N8N_RUNNERS_BROKER_PORT: String(brokerPort),
			...(role === 'worker' ? workerServer : {}),
		},
		reject: false,
		cleanup: true,
		forceKillAfterDelay: 20_000,
		all: true,
		buffer: false,
	});
	let output = '';
	subprocess.all?.setEncoding('utf8');
	subprocess.all?.on('data', (chunk: string) => (output += chunk));
	let exited = false;
	const exit = subprocess.then(() => (exited = true));
	const baseUrl = `http://127.0.0.1:${port}`;
	const deadline = performance.now() + timeoutMs;
	for (;;) {
		if (exited) throw new Error(`n8n ${role} exited while starting:\n${output.slice(-4000)}`);
		if (performance.now() > deadline) {
			subprocess.kill('SIGKILL');
			throw new Error(
				`n8n ${role} did not become ready within ${timeoutMs} ms:\n${output.slice(-4000)}`,
			);
		}
		const ready = await fetch(`${baseUrl}/healthz/readiness`).then(
			(response) => response.ok,
			() => false,
		);
		if (ready) break;
		await sleep(250);
	}
	return {
		baseUrl,
		pid: subprocess.pid!,
		log: () => output,
		stop: async () => {
			if (!exited) subprocess.kill('SIGTERM');
			await exit;
		},
		kill: async () => {
			if (!exited) subprocess.kill('SIGKILL');
			await exit;
		},
	};
}

/** n8n's internal REST API as the editor uses it, logged in as the owner. */
export class N8nClient {
	private cookie = '';

	constructor(private readonly baseUrl: string) {}

	/** Creates the instance owner (first start) and keeps the session cookie. */
	async setUpOwner(): Promise<void> {
		await this.request('POST', '/rest/owner/setup', {
			email: 'owner@example.com',
			firstName: 'E2E',
			lastName: 'Test',
			password: 'E2e-password-1',
		});
	}

	/** `/types/nodes.json` or `/types/credentials.json`: what the editor learns about the installed nodes. */
	async types(kind: 'nodes' | 'credentials'): Promise<{ name: string; outputs?: unknown }[]> {
		return (await this.request('GET', `/types/${kind}.json`)) as never;
	}

	/** A saved credential as the editor opens it: secrets replaced by n8n's blanking value. */
	async credential(
		id: string,
	): Promise<{ id: string; name: string; type: string; data: Record<string, unknown> }> {
		return (await this.request('GET', `/rest/credentials/${id}?includeData=true`)) as never;
	}

	/** The editor's "Test": the form's data goes back, n8n restores the blanked secrets from the saved credential. */
	async testCredential(credential: {
		id: string;
		name: string;
		type: string;
		data: Record<string, unknown>;
	}): Promise<{ status: string; message: string }> {
		const { id, name, type, data } = credential;
		return (await this.request('POST', '/rest/credentials/test', {
			credentials: { id, name, type, data },
		})) as never;
	}

	async workflows(): Promise<{ id: string; name: string; active: boolean }[]> {
		return (await this.request('GET', '/rest/workflows')) as never;
	}

	async workflow(
		id: string,
	): Promise<{ id: string; versionId: string; active: boolean; activeVersionId?: string | null }> {
		return (await this.request('GET', `/rest/workflows/${id}`)) as never;
	}

	/** Saves the workflow with one node's parameters changed, as the editor does; answers the new version. */
	async updateNodeParameters(
		id: string,
		nodeName: string,
		parameters: Record<string, unknown>,
	): Promise<string> {
		const workflow = (await this.request('GET', `/rest/workflows/${id}`)) as {
			versionId: string;
			nodes: { name: string; parameters: Record<string, unknown> }[];
		};
		const node = workflow.nodes.find((candidate) => candidate.name === nodeName);
		if (!node) throw new Error(`Workflow ${id} has no node named ${nodeName}.`);
		node.parameters = { ...node.parameters, ...parameters };
		const saved = (await this.request('PATCH', `/rest/workflows/${id}`, {
			nodes: workflow.nodes,
			versionId: workflow.versionId,
		})) as { versionId: string };
		return saved.versionId;
	}

	async activate(id: string): Promise<{ active: boolean }> {
		const { versionId } = await this.workflow(id);
		return (await this.request('POST', `/rest/workflows/${id}/activate`, { versionId })) as never;
	}

	async deactivate(id: string): Promise<{ active: boolean }> {
		return (await this.request('POST', `/rest/workflows/${id}/deactivate`, {})) as never;
	}

	/**
	 * Where the activation of a published workflow stands: n8n 2.40 activates through its publication
	 * outbox after the activate call has returned; a trigger that fails is reported here, as the editor shows it.
	 */
	async publicationStatus(id: string): Promise<{
		status: string;
		triggers: { nodeId: string; status: string; errorMessage: string | null }[];
	}> {
		return (await this.request('GET', `/rest/workflows/${id}/publication-status`)) as never;
	}

	/** "Execute workflow" in the editor, from the given trigger node (manual mode). */
	async runManually(workflowId: string, triggerName: string): Promise<string> {
		const result = (await this.request('POST', `/rest/workflows/${workflowId}/run`, {
			triggerToStartFrom: { name: triggerName },
		})) as { executionId?: string };
		if (!result.executionId)
			throw new Error(
				`The manual run of ${workflowId} started no execution: ${JSON.stringify(result)}`,
			);
		return result.executionId;
	}

	async execution(
		id: string,
	): Promise<{ id: string; status: string; mode: string; finished: boolean }> {
		return (await this.request('GET', `/rest/executions/${id}`)) as never;
	}

	async executions(workflowId: string): Promise<{ id: string; status: string }[]> {
		const filter = encodeURIComponent(JSON.stringify({ workflowId }));
		const page = (await this.request('GET', `/rest/executions?filter=${filter}&limit=250`)) as {
			results: { id: string; status: string }[];
		};
		return page.results;
	}

	private async request(method: string, path: string, body?: unknown): Promise<unknown> {
		const response = await fetch(this.baseUrl + path, {
			method,
			headers: {
				'content-type': 'application/json',
				'browser-id': 'e2e-test',
				...(this.cookie ? { cookie: this.cookie } : {}),
			},
			...(body === undefined ? {} : { body: JSON.stringify(body) }),
		});
		const setCookie = response.headers
			.getSetCookie()
			.find((value) => value.startsWith('n8n-auth='));
		if (setCookie) this.cookie = setCookie.split(';')[0];
		const text = await response.text();
		if (!response.ok)
			throw new Error(`${method} ${path}: HTTP ${response.status} ${text.slice(0, 1000)}`);
		const parsed = text === '' ? {} : (JSON.parse(text) as { data?: unknown });
		return 'data' in parsed ? parsed.data : parsed;
	}
}
