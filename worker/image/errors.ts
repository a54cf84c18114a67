/**
 * The one error type the image pipeline throws for anything the *client* got
 * wrong. Routes map it straight to an HTTP answer (`status` + `code` + message);
 * any other exception escaping the pipeline is a bug on our side (500).
 */

export type ImageErrorCode = 'empty_body' | 'unsupported_media_type' | 'invalid_image' | 'image_too_large';
export type ImageErrorStatus = 400 | 413 | 415;

const STATUS: Record<ImageErrorCode, ImageErrorStatus> = {
  empty_body: 400,
  invalid_image: 400,
  image_too_large: 413,
  unsupported_media_type: 415,
};

/** Human names of the formats we decode, in the order we advertise them. */
export const ACCEPTED_FORMAT_NAMES = ['JPEG', 'PNG', 'WebP'] as const;
export const ACCEPTED_MEDIA_TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const;
const ACCEPTED_SENTENCE = `Accepted types: ${ACCEPTED_FORMAT_NAMES.join(', ')}.`;

export class ImageError extends Error {
  readonly code: ImageErrorCode;
  readonly status: ImageErrorStatus;

  constructor(code: ImageErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ImageError';
    this.code = code;
    this.status = STATUS[code];
  }
}

export function isImageError(e: unknown): e is ImageError {
  return e instanceof ImageError;
}

export function emptyBody(): ImageError {
  return new ImageError('empty_body', `The request body is empty. Send the image bytes as the body. ${ACCEPTED_SENTENCE}`);
}

/** 415 for a recognised-but-unsupported format (`name` = "GIF", "SVG", ...) or for bytes we do not recognise at all. */
export function unsupportedFormat(name: string | null, detail?: string): ImageError {
  const what = name ? `${name} images are not supported` : 'The body is not a recognised image (format is detected from its bytes, not from its name or Content-Type)';
  return new ImageError('unsupported_media_type', `${what}${detail ? ` (${detail})` : ''}. ${ACCEPTED_SENTENCE}`);
}

/** 400: the bytes claim a supported format but are corrupt, truncated or describe an impossible image. */
export function invalidImage(format: string, detail: string, cause?: unknown): ImageError {
  return new ImageError('invalid_image', `Invalid ${format} image: ${detail}.`, cause === undefined ? undefined : { cause });
}

/** 413: the image is valid but bigger than this service is willing to decode. */
export function imageTooLarge(detail: string): ImageError {
  return new ImageError('image_too_large', `Image too large: ${detail}.`);
}
