/**
 * A stats document source shared by the transports: builds the document
 * at most once per event-loop turn (many clients connecting together get
 * the same bytes, generated once), never throws, and reports a build
 * failure once through `onError` while serving the last good document
 * (or a minimal valid one).
 */
import type { EmitterDocument } from './doc.js';
import { fallbackDocument } from './builder.js';
import { renderDocument } from './render.js';
import { renderPrometheus } from './prometheus.js';

export interface StatsSource {
  /** The current document (never throws). */
  document(): EmitterDocument;
  /** The document as uWSGI-layout JSON text (never throws). */
  json(minified: boolean): string;
  /** The same as UTF-8 bytes, when the source keeps them (the listener then writes them as they are). */
  jsonBytes?(minified: boolean): Buffer;
  /** The document as Prometheus text (never throws). */
  prometheus(): string;
  /** Called when a client reads the stats (lets the source refresh its caches for the next read). */
  onRead?(): void;
  /**
   * Called when a client reads the stats, before its answer is made: a
   * promise makes the answer wait for it (the source bounds the wait; it
   * must not reject). Undefined: answer at once.
   */
  fresh?(): Promise<void> | undefined;
}

interface TurnCache {
  doc: EmitterDocument;
  prom?: string;
}

interface TurnTexts {
  pretty?: string;
  mini?: string;
  prettyBytes?: Buffer;
  miniBytes?: Buffer;
}

export class DocumentSource implements StatsSource {
  private cache: TurnCache | undefined;
  private texts: TurnTexts | undefined;
  private lastGood: EmitterDocument | undefined;
  private reported = false;

  constructor(
    private readonly build: () => EmitterDocument,
    private readonly onError?: (err: unknown) => void,
    private readonly readHook?: () => void,
    /**
     * Renders the JSON bytes straight from the server's state (e.g. from
     * per-worker texts kept between reads), without building the document
     * object first; must give the bytes of `renderDocument(build(), minified)`.
     */
    private readonly renderBytes?: (minified: boolean) => Buffer,
  ) {}

  private fail(err: unknown): void {
    if (this.reported) return;
    this.reported = true;
    try {
      this.onError?.(err);
    } catch {
      // a throwing error handler must not break stats either
    }
  }

  document(): EmitterDocument {
    if (this.cache) return this.cache.doc;
    let doc: EmitterDocument;
    try {
      doc = this.build();
      this.lastGood = doc;
    } catch (err) {
      this.fail(err);
      doc = this.lastGood ?? fallbackDocument();
    }
    this.cache = { doc };
    setImmediate(() => {
      this.cache = undefined;
    });
    return doc;
  }

  json(minified: boolean): string {
    const t = this.texts;
    const hit = minified ? t?.mini : t?.pretty;
    if (hit !== undefined) return hit;
    let text: string;
    if (this.renderBytes !== undefined) text = this.jsonBytes(minified).toString();
    else {
      const doc = this.document();
      try {
        text = renderDocument(doc, minified);
      } catch (err) {
        this.fail(err);
        text = renderDocument(fallbackDocument(), minified);
      }
    }
    const c = this.turnTexts();
    if (minified) c.mini = text;
    else c.pretty = text;
    return text;
  }

  jsonBytes(minified: boolean): Buffer {
    const t = this.texts;
    const hit = minified ? t?.miniBytes : t?.prettyBytes;
    if (hit !== undefined) return hit;
    let bytes: Buffer | undefined;
    if (this.renderBytes !== undefined) {
      try {
        bytes = this.renderBytes(minified);
      } catch (err) {
        this.fail(err); // fall through: the document's own rendering (or the last good one)
      }
    }
    if (bytes === undefined) {
      const doc = this.document();
      try {
        bytes = Buffer.from(renderDocument(doc, minified));
      } catch (err) {
        this.fail(err);
        bytes = Buffer.from(renderDocument(fallbackDocument(), minified));
      }
    }
    const c = this.turnTexts();
    if (minified) c.miniBytes = bytes;
    else c.prettyBytes = bytes;
    return bytes;
  }

  /** This turn's rendered texts (cleared with the document at the next turn). */
  private turnTexts(): TurnTexts {
    if (this.texts === undefined) {
      const texts: TurnTexts = {};
      this.texts = texts;
      setImmediate(() => {
        if (this.texts === texts) this.texts = undefined;
      });
    }
    return this.texts;
  }

  prometheus(): string {
    const doc = this.document();
    const c = this.cache;
    if (c?.prom !== undefined) return c.prom;
    let text: string;
    try {
      text = renderPrometheus(doc);
    } catch (err) {
      this.fail(err);
      text = renderPrometheus(fallbackDocument());
    }
    if (c && c.doc === doc) c.prom = text;
    return text;
  }

  onRead(): void {
    try {
      this.readHook?.();
    } catch (err) {
      this.fail(err);
    }
  }
}
