interface Entry {
	loading: Promise<unknown>;
	users: number;
	release: (model: unknown) => Promise<void>;
}

/**
 * One copy of each model however many streams use it: loads on first use, releases the ONNX
 * session when the last user lets go. A load that fails is forgotten, so the next user retries it.
 */
export class SharedModels {
	private readonly entries = new Map<string, Entry>();

	get loadedKeys(): string[] {
		return [...this.entries.keys()];
	}

	async acquire<T>(
		key: string,
		load: () => Promise<T>,
		release: (model: T) => Promise<void>,
	): Promise<T> {
		let entry = this.entries.get(key);
		if (!entry) {
			entry = { loading: load(), users: 0, release: release as (model: unknown) => Promise<void> };
			this.entries.set(key, entry);
		}
		entry.users++;
		try {
			return (await entry.loading) as T;
		} catch (error) {
			entry.users--;
			if (this.entries.get(key) === entry) this.entries.delete(key);
			throw error;
		}
	}

	async release(key: string): Promise<void> {
		const entry = this.entries.get(key);
		if (!entry) return;
		entry.users--;
		if (entry.users > 0) return;
		this.entries.delete(key);
		await entry.release(await entry.loading);
	}
}
