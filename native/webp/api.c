/*
 * The WebP decoder module's interface (ours): one call that decodes a still WebP (lossy, lossless,
 * with or without alpha) held in memory to 8-bit RGBA with libwebp's advanced decoding API,
 * straight into a buffer the host allocated.
 *
 *   int wd_decode(src, size, width, height, dst)   0, or one of the WD_* codes below
 *   const char *wd_message(void)                   libwebp's status for the last failure, in words
 *   const uint32_t *wd_info(void)                  { width, height } of the last bitstream read
 *
 * The host (worker/image/codec-native.ts) has already read the RIFF header (dimensions against the
 * limits, animation refused: worker/image/dimensions.ts) and allocated `dst` = width * height * 4
 * bytes; libwebp must see the same canvas, or nothing is decoded. libwebp reports errors as status
 * codes (no longjmp) and frees its own buffers, so a failed decode leaks nothing; the host still
 * drops the instance after one, as for every decoder.
 */
#include <stdint.h>
#include <string.h>

#include "webp/decode.h"

#define WD_FRAME_MISMATCH 1 /* libwebp's canvas is not the host's */
#define WD_BAD_DATA 3 /* libwebp refused the data: wd_message() says why */
#define WD_NO_MEMORY 4

static const char *message = "";
static uint32_t info[2];

/* VP8StatusCode in words. */
static const char *status_text(VP8StatusCode s)
{
    switch (s) {
    case VP8_STATUS_OUT_OF_MEMORY: return "out of memory";
    case VP8_STATUS_INVALID_PARAM: return "invalid parameter";
    case VP8_STATUS_BITSTREAM_ERROR: return "bitstream error";
    case VP8_STATUS_UNSUPPORTED_FEATURE: return "unsupported feature";
    case VP8_STATUS_SUSPENDED: return "suspended";
    case VP8_STATUS_USER_ABORT: return "user abort";
    case VP8_STATUS_NOT_ENOUGH_DATA: return "not enough data (truncated)";
    default: return "decoding failed";
    }
}

int wd_decode(const uint8_t *src, size_t size, uint32_t width, uint32_t height, uint8_t *dst)
{
    message = "";
    info[0] = info[1] = 0;
    WebPDecoderConfig config;
    if (!WebPInitDecoderConfig(&config)) {
        message = "libwebp version mismatch";
        return WD_BAD_DATA;
    }
    VP8StatusCode s = WebPGetFeatures(src, size, &config.input);
    if (s != VP8_STATUS_OK) {
        message = status_text(s);
        return WD_BAD_DATA;
    }
    info[0] = (uint32_t)config.input.width;
    info[1] = (uint32_t)config.input.height;
    if (info[0] != width || info[1] != height) return WD_FRAME_MISMATCH;
    if (config.input.has_animation) {
        message = "animated WebP";
        return WD_BAD_DATA;
    }
    /* Non-premultiplied RGBA (MODE_RGBA), fancy upsampling on, no dithering: libwebp's defaults,
       and Pillow's RGBA. */
    config.output.colorspace = MODE_RGBA;
    config.output.is_external_memory = 1;
    config.output.u.RGBA.rgba = dst;
    config.output.u.RGBA.stride = (int)(width * 4);
    config.output.u.RGBA.size = (size_t)width * height * 4;
    s = WebPDecode(src, size, &config);
    WebPFreeDecBuffer(&config.output); /* external memory: frees nothing of ours */
    if (s != VP8_STATUS_OK) {
        message = status_text(s);
        return s == VP8_STATUS_OUT_OF_MEMORY ? WD_NO_MEMORY : WD_BAD_DATA;
    }
    return 0;
}

const char *wd_message(void) { return message; }

const uint32_t *wd_info(void) { return info; }
