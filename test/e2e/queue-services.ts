import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { userInfo, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa, type ResultPromise } from 'execa';
import { boundToParent, type Command } from '../../engine/source/child-lifetime.js';
import { findExecutable } from '../../engine/source/ffmpeg-binary.js';
import { freePort } from '../helpers/free-port.js';

/**
 * Throwaway Redis and PostgreSQL for n8n's queue mode, from Debian's packages: each in its own
 * temporary directory, on 127.0.0.1 and a free port, in the foreground (bound to this process),
 * nothing persisted. A missing package is an error that names the fix, never a skip.
 */

const INSTALL_FIX =
	"Install Debian's redis-server and postgresql (`sudo apt-get install redis-server postgresql`; `bash scripts/bootstrap.sh` does it).";

export interface Service {
	readonly port: number;
	/** Stops the service, waits for its exit and removes its directory. */
	stop(): Promise<void>;
}

export interface Redis extends Service {
	/** Runs one command with redis-cli and returns its raw reply. */
	command(...args: string[]): Promise<string>;
}

export interface Postgres extends Service {
	readonly user: string;
	readonly database: string;
	/** Rows of a query as arrays of text fields (psql -At). */
	query(sql: string): Promise<string[][]>;
}

function required(name: string): string {
	const path = findExecutable(name);
	if (path === undefined) throw new Error(`${name} was not found on PATH. ${INSTALL_FIX}`);
	return path;
}

function foreground(command: Command, cwd: string) {
	const subprocess = execa(command.file, command.args, {
		cwd,
		reject: false,
		cleanup: true,
		forceKillAfterDelay: 10_000,
		all: true,
		buffer: false,
		stdin: 'ignore',
	});
	let output = '';
	subprocess.all?.setEncoding('utf8');
	subprocess.all?.on('data', (chunk: string) => (output += chunk));
	let exited = false;
	const exit = subprocess.then(() => (exited = true));
	return { subprocess, exit, hasExited: () => exited, output: () => output };
}

async function until(
	ready: () => Promise<boolean>,
	hasExited: () => boolean,
	what: string,
	output: () => string,
	timeoutMs = 30_000,
): Promise<void> {
	const deadline = performance.now() + timeoutMs;
	for (;;) {
		if (hasExited()) throw new Error(`${what} exited while starting:\n${output().slice(-3000)}`);
		if (await ready()) return;
		if (performance.now() > deadline)
			throw new Error(`${what} was not ready within ${timeoutMs} ms:\n${output().slice(-3000)}`);
		await sleep(100);
	}
}

async function stopProcess(
	subprocess: ResultPromise,
	exit: Promise<unknown>,
	signal: NodeJS.Signals,
) {
	subprocess.kill(signal);
	await exit;
}

/** redis-server on 127.0.0.1, no RDB snapshot, no append-only file. */
export async function startRedis(): Promise<Redis> {
	const server = required('redis-server');
	const cli = required('redis-cli');
	const dir = mkdtempSync(join(tmpdir(), 'rtmp-asr-redis-'));
	const port = await freePort();
	const redis = foreground(
		boundToParent(server, [
			'--port',
			String(port),
			'--bind',
			'127.0.0.1',
			'--save',
			'',
			'--appendonly',
			'no',
			'--dir',
			dir,
		]),
		dir,
	);
	const command = async (...args: string[]) =>
		String((await execa(cli, ['-h', '127.0.0.1', '-p', String(port), ...args])).stdout).trim();
	try {
		await until(
			() =>
				command('PING').then(
					(reply) => reply === 'PONG',
					() => false,
				),
			redis.hasExited,
			'redis-server',
			redis.output,
		);
	} catch (error) {
		await stopProcess(redis.subprocess, redis.exit, 'SIGKILL');
		rmSync(dir, { recursive: true, force: true });
		throw error;
	}
	return {
		port,
		command,
		stop: async () => {
			if (!redis.hasExited()) await stopProcess(redis.subprocess, redis.exit, 'SIGTERM');
			rmSync(dir, { recursive: true, force: true });
		},
	};
}

/** Debian keeps PostgreSQL's server programs in /usr/lib/postgresql/<major>/bin, off PATH. */
function postgresBinDirectory(): string {
	const root = '/usr/lib/postgresql';
	const majors = existsSync(root)
		? readdirSync(root)
				.filter((entry) => existsSync(join(root, entry, 'bin', 'initdb')))
				.sort((a, b) => Number(b) - Number(a))
		: [];
	if (majors.length > 0) return join(root, majors[0]!, 'bin');
	const initdb = findExecutable('initdb');
	if (initdb === undefined)
		throw new Error(
			`PostgreSQL's initdb was found neither in ${root}/*/bin nor on PATH. ${INSTALL_FIX}`,
		);
	return join(initdb, '..');
}

/**
 * PostgreSQL refuses to run as root: as root, the cluster belongs to Debian's `postgres` system user
 * and its programs run as that user. One setpriv both switches the user and binds the program to this
 * process: a parent-death signal set before the switch would be cleared by it.
 */
function asClusterOwner(file: string, args: string[]): Command {
	if (userInfo().uid !== 0) return boundToParent(file, args);
	return {
		file: required('setpriv'),
		args: [
			'--reuid=postgres',
			'--regid=postgres',
			'--init-groups',
			'--pdeathsig',
			'SIGKILL',
			'--',
			file,
			...args,
		],
	};
}

/** A fresh cluster (trust authentication, fsync off) and an empty database for n8n. */
export async function startPostgres(): Promise<Postgres> {
	const bin = postgresBinDirectory();
	const dir = mkdtempSync(join(tmpdir(), 'rtmp-asr-postgres-'));
	const data = join(dir, 'data');
	const user = 'n8n';
	const database = 'n8n';
	if (userInfo().uid === 0) {
		const owner = await execa('id', ['-u', 'postgres'], { reject: false });
		if (owner.exitCode !== 0)
			throw new Error(
				`PostgreSQL cannot run as root and there is no "postgres" user. ${INSTALL_FIX}`,
			);
		const uid = Number(owner.stdout);
		const gid = Number((await execa('id', ['-g', 'postgres'])).stdout);
		chownSync(dir, uid, gid);
	}
	const initdb = asClusterOwner(join(bin, 'initdb'), [
		'--pgdata',
		data,
		'--username',
		user,
		'--auth',
		'trust',
		'--encoding',
		'UTF8',
		'--no-sync',
	]);
	const initialized = await execa(initdb.file, initdb.args, { cwd: dir, reject: false, all: true });
	if (initialized.exitCode !== 0) {
		rmSync(dir, { recursive: true, force: true });
		throw new Error(
			`initdb failed (${initialized.exitCode}): ${String(initialized.all).slice(-3000)}`,
		);
	}
	const port = await freePort();
	const server = asClusterOwner(join(bin, 'postgres'), [
		'-D',
		data,
		'-p',
		String(port),
		'-k',
		dir,
		'-c',
		'listen_addresses=127.0.0.1',
		'-c',
		'fsync=off',
		'-c',
		'synchronous_commit=off',
		'-c',
		'full_page_writes=off',
	]);
	const postgres = foreground(server, dir);
	const psql = join(bin, 'psql');
	const run = (db: string, sql: string) =>
		execa(
			psql,
			[
				'-h',
				'127.0.0.1',
				'-p',
				String(port),
				'-U',
				user,
				'-d',
				db,
				'-At',
				'-F',
				'\t',
				'-v',
				'ON_ERROR_STOP=1',
				'-c',
				sql,
			],
			{
				reject: false,
				all: true,
			},
		);
	try {
		await until(
			async () => (await run('postgres', 'SELECT 1')).exitCode === 0,
			postgres.hasExited,
			'postgres',
			postgres.output,
		);
		const created = await run('postgres', `CREATE DATABASE ${database}`);
		if (created.exitCode !== 0) throw new Error(`CREATE DATABASE failed: ${String(created.all)}`);
	} catch (error) {
		await stopProcess(postgres.subprocess, postgres.exit, 'SIGKILL');
		rmSync(dir, { recursive: true, force: true });
		throw error;
	}
	return {
		port,
		user,
		database,
		query: async (sql) => {
			const result = await run(database, sql);
			if (result.exitCode !== 0) throw new Error(`psql: ${sql}: ${String(result.all)}`);
			const text = String(result.stdout);
			return text === '' ? [] : text.split('\n').map((row) => row.split('\t'));
		},
		stop: async () => {
			// SIGINT: PostgreSQL's fast shutdown (ends sessions, no checkpoint wait on a throwaway cluster).
			if (!postgres.hasExited()) await stopProcess(postgres.subprocess, postgres.exit, 'SIGINT');
			rmSync(dir, { recursive: true, force: true });
		},
	};
}
