/** A short two-note chime made with WebAudio (no audio files to ship or load). */
export function chime(kind: 'called' | 'joined'): void {
  try {
    const ctx = new AudioContext();
    const notes = kind === 'called' ? [660, 880, 1320] : [523, 659];
    notes.forEach((f, i) => {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = 'sine';
      osc.frequency.value = f;
      const t = ctx.currentTime + i * 0.16;
      gain.gain.setValueAtTime(0.0001, t);
      gain.gain.exponentialRampToValueAtTime(0.25, t + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.45);
      osc.connect(gain).connect(ctx.destination);
      osc.start(t);
      osc.stop(t + 0.5);
    });
    setTimeout(() => void ctx.close(), 1_500);
  } catch {
    // No audio device: the notification and the toast still say it.
  }
}
