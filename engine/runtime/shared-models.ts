interface Entry {
	loading: Promise<unknown>;
	users: number;
	release: (model: unknown) => Promise<void>;
	/** Set while the model has no user and is kept loaded for one that may come back. */
	unloadTimer: ReturnType<typeof setTimeout> | null;
}

/**
 * One copy of each model however many streams use it: loads on first use, releases the ONNX
 * session when the last user lets go, or that long later when the user asks it kept warm (n8n
 * closes a trigger and opens it again on every save of an active workflow: a model reloaded each
 * time would cost seconds and a second copy's memory). A load that fails is forgotten, so the next
 * user retries it.
 */
export class SharedModels {
	private readonly entries = new Map<string, Entry>();

	get loadedKeys(): string[] {
		return [...this.entries.keys()];
	}

	/** Answers the model and whether this call loaded it (false: it was loaded already, or kept warm). */
	async acquire<T>(
		key: string,
		load: () => Promise<T>,
		release: (model: T) => Promise<void>,
	): Promise<{ model: T; loaded: boolean }> {
		let entry = this.entries.get(key);
		const loaded = !entry;
		if (!entry) {
			entry = {
				loading: load(),
				users: 0,
				release: release as (model: unknown) => Promise<void>,
				unloadTimer: null,
			};
			this.entries.set(key, entry);
		}
		if (entry.unloadTimer) {
			clearTimeout(entry.unloadTimer);
			entry.unloadTimer = null;
		}
		entry.users++;
		try {
			return { model: (await entry.loading) as T, loaded };
		} catch (error) {
			entry.users--;
			if (this.entries.get(key) === entry) this.entries.delete(key);
			throw error;
		}
	}

	/** The last user's release unloads the model at once, or after `keepWarmMs` if no user came back. */
	async release(key: string, keepWarmMs = 0): Promise<void> {
		const entry = this.entries.get(key);
		if (!entry) return;
		entry.users--;
		if (entry.users > 0) return;
		if (keepWarmMs > 0) {
			entry.unloadTimer = setTimeout(() => void this.unload(key, entry), keepWarmMs);
			return;
		}
		await this.unload(key, entry);
	}

	/** Unloads every model kept warm now (the worker is shutting down). */
	async releaseIdle(): Promise<void> {
		await Promise.all(
			[...this.entries]
				.filter(([, entry]) => entry.users === 0)
				.map(([key, entry]) => this.unload(key, entry)),
		);
	}

	private async unload(key: string, entry: Entry): Promise<void> {
		if (this.entries.get(key) !== entry || entry.users > 0) return;
		if (entry.unloadTimer) clearTimeout(entry.unloadTimer);
		entry.unloadTimer = null;
		this.entries.delete(key);
		await entry.release(await entry.loading);
	}
}
