/**
 * Which central instance sends notifications (the alert owner). Every instance computes the same
 * state; only one may notify, or each alert would reach people once per instance.
 *
 * Each instance publishes a retained `P/$central/instances/<id>` while connected, with an empty retained
 * Last Will, so the broker clears it when the instance dies (within 1.5 × keepalive, MQTT-3.1.2-24).
 * The owner is the smallest live id: every instance reads the same retained topics and decides the same
 * without any compare-and-set. During a partition two instances may each think they own for up to one
 * keepalive: a notification may then go out twice, never zero times (docs/scale.md).
 */
export class OwnerElection {
  private readonly live = new Set<string>();
  private connected = false;
  private owner = false;

  constructor(
    readonly self: string,
    private readonly onChange: (owner: boolean) => void,
  ) {}

  /** A retained presence message (empty = gone). */
  onPresence(id: string, payload: Buffer): void {
    if (payload.length === 0) this.live.delete(id);
    else this.live.add(id);
    this.decide();
  }

  setConnected(connected: boolean): void {
    this.connected = connected;
    if (!connected) this.live.clear();
    this.decide();
  }

  isOwner(): boolean {
    return this.owner;
  }

  /** Ids seen live, this one included while connected, sorted. */
  liveIds(): string[] {
    const ids = new Set(this.live);
    if (this.connected) ids.add(this.self);
    return [...ids].sort();
  }

  private decide(): void {
    const ids = this.liveIds();
    const owner = this.connected && ids[0] === this.self;
    if (owner === this.owner) return;
    this.owner = owner;
    this.onChange(owner);
  }
}
