import { type BrowserWindow, Notification, app } from 'electron';
import { DEFAULT_PREFS, type Events, type Prefs } from '../core/api/contract';
import type { BatonService } from '../core/api/service';

/**
 * Native notifications for the App API's alerts, and the window asking for attention when
 * this laptop's student is called (flashFrame on Windows and Linux, a dock bounce on macOS).
 * Every notification is silent: the window plays its own chime (Settings → sound).
 */
export class Notifier {
  constructor(
    private readonly o: {
      window(): BrowserWindow | null;
      prefs(): Partial<Prefs>;
      focus(): void;
    },
  ) {}

  hook(service: BatonService): void {
    service.events.on('called', (c) => this.called(c));
    service.events.on('cantFind', () =>
      this.student(
        "The TA couldn't find you",
        'Tap "I\'m here" in Baton, or you\'ll lose your turn.',
      ),
    );
    service.events.on('upNext', (u) =>
      this.student(
        u.position === 1 ? "You're next" : `You're number ${u.position} in line`,
        'Get ready: a TA will call you soon.',
      ),
    );
    service.events.on('message', (m) => this.student(`Message from ${m.from}`, m.text));
    service.events.on('joinedEmpty', (j) => void this.joined(service, j));
  }

  private prefs(): Prefs {
    return { ...DEFAULT_PREFS, ...this.o.prefs() };
  }

  private called(c: Events['called']): void {
    this.attention();
    this.student("It's your turn", `${c.by || 'A TA'} is calling you — head over now.`);
  }

  /** Ask for the user's eyes: the taskbar flashes (Windows, Linux) or the dock bounces (macOS). */
  private attention(): void {
    const w = this.o.window();
    if (!w || w.isFocused()) return;
    if (process.platform === 'darwin') app.dock?.bounce('critical');
    else w.flashFrame(true);
    w.once('focus', () => w.flashFrame(false));
  }

  private student(title: string, body: string): void {
    if (!this.prefs().notifyCalled) return;
    this.show(title, body);
  }

  private async joined(service: BatonService, j: Events['joinedEmpty']): Promise<void> {
    if (!this.prefs().notifyJoined) return;
    const status = await service.call('status');
    if (!status.ok || !status.value.isStaff) return;
    this.show('Someone is waiting', `${j.name} joined the empty queue.`);
  }

  private show(title: string, body: string): void {
    if (!Notification.isSupported()) return;
    const n = new Notification({ title, body, silent: true });
    n.on('click', () => this.o.focus());
    n.show();
  }
}
