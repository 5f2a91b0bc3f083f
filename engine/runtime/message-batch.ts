/**
 * Messages to one thread, gathered over a turn of the event loop and posted as one array. Each
 * `postMessage` costs a fixed amount on both threads (the send, the wake-up, the message event);
 * live streams send their 100 ms of audio on one beat and their VAD answers come from one run, so
 * a beat of N streams costs one message each way instead of N (measured: docs/measurements.md).
 */
export class MessageBatch<Message> {
	private messages: Message[] = [];
	private transfer: ArrayBuffer[] = [];
	private scheduled: NodeJS.Immediate | null = null;

	/** `post` sends the gathered messages, in order, with the buffers they move. */
	constructor(private readonly post: (messages: Message[], transfer: ArrayBuffer[]) => void) {}

	add(message: Message, transfer: readonly ArrayBuffer[] = []): void {
		this.messages.push(message);
		this.transfer.push(...transfer);
		this.scheduled ??= setImmediate(() => this.flush());
	}

	/** Posts what was gathered now (before the thread ends, or ahead of a message that must follow it). */
	flush(): void {
		const { messages, transfer } = this.take();
		if (messages.length > 0) this.post(messages, transfer);
	}

	/** Drops what was gathered and not posted (its thread is gone). */
	discard(): void {
		this.take();
	}

	private take(): { messages: Message[]; transfer: ArrayBuffer[] } {
		if (this.scheduled) clearImmediate(this.scheduled);
		this.scheduled = null;
		const taken = { messages: this.messages, transfer: this.transfer };
		this.messages = [];
		this.transfer = [];
		return taken;
	}
}
