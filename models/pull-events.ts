/** Where one file's transfer stands. `received` counts bytes resumed from an earlier attempt too. */
export interface TransferProgress {
	received: number;
	/** Full size when the server or an exact catalog size gives it. */
	total: number | null;
	/** Null until two measurements exist. */
	bytesPerSecond: number | null;
	etaSeconds: number | null;
}

/** What pullModel reports while it works, for a terminal, a log or the node's status. */
export type PullEvent =
	| { type: 'waiting'; model: string; lockPath: string; holderPid: number | null }
	| { type: 'present'; model: string; file: string; bytes: number }
	| {
			type: 'start';
			model: string;
			file: string;
			fileIndex: number;
			fileCount: number;
			source: string;
			url: string;
			resumeFrom: number;
	  }
	| { type: 'progress'; model: string; file: string; progress: TransferProgress }
	| { type: 'retry'; model: string; file: string; source: string; reason: string }
	| {
			type: 'fallback';
			model: string;
			file: string;
			source: string;
			reason: string;
			next: string | null;
	  }
	| { type: 'done'; model: string; file: string; bytes: number; source: string };
