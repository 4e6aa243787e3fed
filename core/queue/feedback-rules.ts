/**
 * Feedback's two limits, free of any dependency: the host's checks (feedback.ts), the
 * command schemas and both student pages (laptop and phone) read them from here.
 */

/** How long after Done a student may still give feedback. */
export const FEEDBACK_WINDOW_MS = 2 * 60 * 60_000;
/** The longest feedback comment. */
export const FEEDBACK_TEXT_MAX = 300;
