/*
 * The PNG decoder module's interface (ours): one call that decodes a whole PNG held in memory to
 * 8-bit RGBA. The chunk walk, the row loop and Adam7 are this file; the per-row hot loops are
 * unfilter_wasm.c and expand_wasm.c; zlib decompression is libdeflate 1.14 (one call for the
 * whole image: the host knows the image's size, so the filtered rows fit one buffer exactly).
 *
 *   int pd_init(void)                              once, first thing on a fresh instance: 0, or PD_NO_MEMORY
 *   int pd_decode(src, size, width, height, dst)   0, or one of the PD_* codes below
 *   const char *pd_message(void)                   why the last decode failed
 *   const uint32_t *pd_info(void)                  { width, height } of the last IHDR read
 *
 * The host (worker/image/codec-native.ts) has already read the IHDR and checked the CRC of every
 * chunk before the first IDAT (worker/image/dimensions.ts, as Pillow does) and allocated `dst` =
 * width * height * 4 bytes; this file checks the IHDR again against those dimensions, the CRCs of
 * PLTE and IDAT, and everything it relies on. `src` is modified: the IDAT payloads are moved
 * together in place (no second copy of the compressed data).
 *
 * What is decoded, as Pillow reads a PNG: the consecutive IDAT chunks after the IHDR (chunks
 * after them, IEND included, are not needed); ancillary chunks other than tRNS are skipped.
 */
#include <stdlib.h>
#include <string.h>

#include "libdeflate.h"
#include "png_decode.h"

#define PD_FRAME_MISMATCH 1 /* the IHDR is not the host's */
#define PD_BAD_DATA 3       /* the file is wrong: pd_message() says how */
#define PD_NO_MEMORY 4

/*
 * Room past the image for data a zlib stream may hold beyond it: Pillow ignores such data (it stops
 * once it has every row), and so do we. libdeflate stops with INSUFFICIENT_SPACE only when a
 * literal, a match (at most 258 bytes) or a stored block (at most 65535 bytes) does not fit, so
 * with this much room that status means every byte of the image has been written.
 */
#define PD_EXTRA 65536

static const char *message = "";
static uint32_t info[2];
static struct libdeflate_decompressor *inflater;
static struct pd_format format;

static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }

static int fail(const char *why)
{
    message = why;
    return PD_BAD_DATA;
}

/* Bytes of one filtered row of `w` pixels (without its filter byte). */
static size_t row_bytes(uint32_t w, unsigned bits_per_pixel) { return ((size_t)w * bits_per_pixel + 7) / 8; }

/* Adam7: pass origin and step (PNG spec 8.2). */
static const uint8_t X0[7] = { 0, 4, 0, 2, 0, 1, 0 }, DX[7] = { 8, 8, 4, 4, 2, 2, 1 };
static const uint8_t Y0[7] = { 0, 0, 4, 0, 2, 0, 1 }, DY[7] = { 8, 8, 8, 4, 4, 2, 2 };
static uint32_t pass_size(uint32_t n, unsigned origin, unsigned step) { return n > origin ? (n - origin + step - 1) / step : 0; }

/*
 * Unfilters the `h` rows of `w` pixels at `raw` (each a filter byte and its data) in place and
 * hands each row to `emit`. Returns 0 or PD_BAD_DATA (a filter byte over 4).
 */
static int unfilter_rows(uint8_t *raw, uint32_t w, uint32_t h, unsigned bpp_bits, const uint8_t *zeros,
                         void (*emit)(void *ctx, uint32_t y, const uint8_t *row), void *ctx)
{
    size_t rb = row_bytes(w, bpp_bits);
    unsigned bpp = bpp_bits < 8 ? 1 : bpp_bits / 8;
    const uint8_t *prev = zeros;
    for (uint32_t y = 0; y < h; y++) {
        uint8_t *line = raw + (size_t)y * (rb + 1);
        if (line[0] > 4) return fail("invalid filter type in the image data");
        pd_unfilter_row(line[0], line + 1, prev, rb, bpp);
        emit(ctx, y, line + 1);
        prev = line + 1;
    }
    return 0;
}

struct emit_full { uint8_t *dst; uint32_t width; };
static void emit_full(void *c, uint32_t y, const uint8_t *row)
{
    struct emit_full *e = c;
    pd_expand_row(&format, row, e->width, e->dst + (size_t)y * e->width * 4);
}

struct emit_pass { uint8_t *dst; uint8_t *tmp; uint32_t width, pw; unsigned pass; };
static void emit_pass(void *c, uint32_t y, const uint8_t *row)
{
    struct emit_pass *e = c;
    pd_expand_row(&format, row, e->pw, e->tmp);
    uint8_t *out = e->dst + ((size_t)(Y0[e->pass] + y * DY[e->pass]) * e->width + X0[e->pass]) * 4;
    for (uint32_t i = 0; i < e->pw; i++) memcpy(out + (size_t)i * DX[e->pass] * 4, e->tmp + (size_t)i * 4, 4);
}

int pd_decode(uint8_t *src, size_t size, uint32_t width, uint32_t height, uint8_t *dst)
{
    static const uint8_t SIGNATURE[8] = { 137, 80, 78, 71, 13, 10, 26, 10 };
    message = "";
    info[0] = info[1] = 0;
    if (size < 8 + 25 || memcmp(src, SIGNATURE, 8) != 0) return fail("not a PNG file");
    if (be32(src + 8) != 13 || memcmp(src + 12, "IHDR", 4) != 0) return fail("the first chunk is not a 13-byte IHDR");
    const uint8_t *ihdr = src + 16;
    info[0] = be32(ihdr);
    info[1] = be32(ihdr + 4);
    if (info[0] != width || info[1] != height) return PD_FRAME_MISMATCH;
    unsigned depth = ihdr[8], ct = ihdr[9], interlace = ihdr[12];
    if (ihdr[10] != 0 || ihdr[11] != 0 || interlace > 1) return fail("unknown compression, filter or interlace method in IHDR");
    unsigned channels;
    switch (ct) {
    case 0: channels = 1; if (depth != 1 && depth != 2 && depth != 4 && depth != 8 && depth != 16) return fail("bad bit depth"); break;
    case 3: channels = 1; if (depth != 1 && depth != 2 && depth != 4 && depth != 8) return fail("bad bit depth"); break;
    case 2: channels = 3; if (depth != 8 && depth != 16) return fail("bad bit depth"); break;
    case 4: channels = 2; if (depth != 8 && depth != 16) return fail("bad bit depth"); break;
    case 6: channels = 4; if (depth != 8 && depth != 16) return fail("bad bit depth"); break;
    default: return fail("bad colour type");
    }
    unsigned bpp_bits = channels * depth;
    memset(&format, 0, sizeof format);
    format.color_type = ct;
    format.depth = depth;
    /* Palette entries past PLTE's: Pillow's palette starts as the gray ramp (i, i, i) and PLTE
       overwrites its first entries, so an index past them reads as gray i (a corrupt file). */
    for (unsigned i = 0; i < 256; i++) format.palette[i] = i | i << 8 | i << 16 | 0xffu << 24;

    /* The chunk walk. IDAT payloads are moved down to src[0..) as they come (never overlapping
       unread data: a payload only moves towards the start). */
    size_t p = 8, idat = 0;
    int saw_plte = 0, in_idat = 0, done_idat = 0;
    while (!done_idat) {
        if (size - p < 12) {
            if (in_idat) break; /* no IEND after the image data: Pillow does not need one either */
            return fail("the file ends before the image data");
        }
        uint32_t len = be32(src + p);
        const uint8_t *type = src + p + 4;
        if (len > 0x7fffffff || len > size - p - 12) return fail("a chunk runs past the end of the file");
        uint8_t *data = src + p + 8;
        int is_idat = memcmp(type, "IDAT", 4) == 0;
        if (in_idat && !is_idat) break; /* the image data has ended */
        if (is_idat || memcmp(type, "PLTE", 4) == 0) {
            uint32_t crc = libdeflate_crc32(0, type, len + 4);
            if (crc != be32(data + len)) return fail(is_idat ? "IDAT chunk CRC mismatch" : "PLTE chunk CRC mismatch");
        }
        if (is_idat) {
            if (ct == 3 && !saw_plte) return fail("a palette image without PLTE");
            in_idat = 1;
            memmove(src + idat, data, len);
            idat += len;
        } else if (memcmp(type, "PLTE", 4) == 0) {
            if (len % 3 != 0 || len == 0 || len > 768) return fail("bad PLTE length");
            saw_plte = 1;
            for (uint32_t i = 0; i < len / 3; i++)
                format.palette[i] = data[3 * i] | data[3 * i + 1] << 8 | data[3 * i + 2] << 16 | 0xffu << 24;
        } else if (memcmp(type, "tRNS", 4) == 0) {
            /* Only the alpha channel depends on it (the model never reads alpha): a malformed one is ignored. */
            if (ct == 0 && len == 2) {
                format.has_trns = 1, format.trns[0] = (uint16_t)(data[0] << 8 | data[1]);
            } else if (ct == 2 && len == 6) {
                format.has_trns = 1;
                for (int k = 0; k < 3; k++) format.trns[k] = (uint16_t)(data[2 * k] << 8 | data[2 * k + 1]);
            } else if (ct == 3 && saw_plte) {
                for (uint32_t i = 0; i < len && i < 256; i++) format.palette[i] = (format.palette[i] & 0xffffffu) | (uint32_t)data[i] << 24;
            }
        } else if (memcmp(type, "IEND", 4) == 0) {
            return fail("no image data (IDAT)");
        }
        p += (size_t)len + 12;
    }

    /* The filtered image: one filter byte + the row's bytes per row (per pass when interlaced). */
    uint64_t raw_size = 0;
    for (unsigned pass = 0; pass < (interlace ? 7u : 1u); pass++) {
        uint32_t pw = interlace ? pass_size(width, X0[pass], DX[pass]) : width;
        uint32_t ph = interlace ? pass_size(height, Y0[pass], DY[pass]) : height;
        if (pw && ph) raw_size += (uint64_t)ph * (row_bytes(pw, bpp_bits) + 1);
    }
    if (raw_size > 0x7fff0000u) return fail("the image is too large");
    size_t rb_max = row_bytes(width, bpp_bits);
    uint8_t *raw = malloc((size_t)raw_size + PD_EXTRA + PD_SLACK);
    uint8_t *zeros = calloc(1, rb_max + PD_SLACK);
    uint8_t *tmp = interlace ? malloc((size_t)width * 4 + PD_SLACK) : NULL;
    if (!inflater) inflater = libdeflate_alloc_decompressor();
    int status = 0;
    if (!raw || !zeros || (interlace && !tmp) || !inflater) {
        message = "out of memory";
        status = PD_NO_MEMORY;
        goto done;
    }
    memset(raw + raw_size, 0, PD_EXTRA + PD_SLACK);
    size_t got = 0;
    enum libdeflate_result r = libdeflate_zlib_decompress(inflater, src, idat, raw, (size_t)raw_size + PD_EXTRA, &got);
    if (r == LIBDEFLATE_BAD_DATA) status = fail("corrupt zlib data in IDAT");
    else if (r == LIBDEFLATE_INSUFFICIENT_SPACE) status = 0; /* more data than the image: ignored (see PD_EXTRA) */
    else if (r != LIBDEFLATE_SUCCESS || got < raw_size) status = fail("the image data is truncated");
    if (status) goto done;

    if (!interlace) {
        struct emit_full e = { dst, width };
        status = unfilter_rows(raw, width, height, bpp_bits, zeros, emit_full, &e);
    } else {
        uint8_t *at = raw;
        for (unsigned pass = 0; pass < 7 && !status; pass++) {
            uint32_t pw = pass_size(width, X0[pass], DX[pass]), ph = pass_size(height, Y0[pass], DY[pass]);
            if (!pw || !ph) continue;
            struct emit_pass e = { dst, tmp, width, pw, pass };
            status = unfilter_rows(at, pw, ph, bpp_bits, zeros, emit_pass, &e);
            at += (size_t)ph * (row_bytes(pw, bpp_bits) + 1);
        }
    }
done:
    free(raw);
    free(zeros);
    free(tmp);
    return status;
}

/*
 * The decompressor (~10 KB) lives as long as the instance. Allocated before anything else, it sits
 * at the bottom of the heap; allocated during the first decode it would be an island between that
 * decode's buffers, and the heap's peak would depend on the order of the images decoded.
 */
int pd_init(void)
{
    if (!inflater) inflater = libdeflate_alloc_decompressor();
    return inflater ? 0 : PD_NO_MEMORY;
}

const char *pd_message(void) { return message; }

const uint32_t *pd_info(void) { return info; }
